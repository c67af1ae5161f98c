"""Charts drawn on the server as inline SVG (no script; the CSP forbids inline styles, so
the template uses presentation attributes and classes from static/admin.css).

This module only computes the geometry; templates/admin/_chart.html draws it, so every
text goes through Jinja's autoescape."""

from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 12, 14, 34  # margins for the axis labels


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    negative: bool
    day: str
    value: Decimal


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]  # GGR per day (below the zero line when negative)
    points: str  # the deposits' polyline, "x,y x,y ..."
    dots: list[Tick]  # the deposits' points, with their values for a <title>
    zero_y: float
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    left: int
    right: float


def _scale(low: Decimal, high: Decimal):
    """value -> y on the plot (top is the highest value)."""
    span = (high - low) or Decimal(1)
    plot = HEIGHT - TOP - BOTTOM

    def y(value: Decimal) -> float:
        return round(TOP + float((high - value) / span) * plot, 1)

    return y


def daily_chart(days: list[str], ggr: list[Decimal], deposits: list[Decimal]) -> Chart:
    """Bars of daily GGR and a line of daily deposits on one axis (one currency)."""
    values = [*ggr, *deposits, Decimal(0)]
    low, high = min(values), max(values)
    if low == high:
        high = low + 1
    y = _scale(low, high)
    step = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    zero = y(Decimal(0))
    bars = []
    for n, (day, value) in enumerate(zip(days, ggr, strict=True)):
        top = y(value)
        bars.append(
            Bar(
                round(LEFT + n * step + step * 0.15, 1),
                min(top, zero),
                round(step * 0.7, 1),
                round(max(abs(zero - top), 0.5 if value else 0), 1),
                value < 0,
                day,
                value,
            )
        )
    centres = [round(LEFT + (n + 0.5) * step, 1) for n in range(len(days))]
    dots = [Tick(x, y(v), f"{day}: {v}") for x, v, day in zip(centres, deposits, days, strict=True)]
    ticks = []
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        value = low + (high - low) * Decimal(str(fraction))
        ticks.append(Tick(LEFT - 6, y(value), f"{value:.2f}"))
    x_ticks = [Tick(centres[n], HEIGHT - BOTTOM + 16, days[n][5:]) for n in range(0, len(days), 5)]
    return Chart(
        WIDTH,
        HEIGHT,
        bars,
        " ".join(f"{d.x},{d.y}" for d in dots),
        dots,
        zero,
        ticks,
        x_ticks,
        LEFT,
        WIDTH - RIGHT,
    )
