"""What a brand offers in its cashier: a provider in one currency with the smallest and
largest deposit and withdrawal. One place for `flask payments method` and the admin
settings page; the caller commits."""

from sqlalchemy import select

from portal import money
from portal.accounts.models import Brand
from portal.errors import DomainError
from portal.extensions import db
from portal.payments import providers
from portal.payments.models import PaymentMethod

LIMITS = ("min_deposit", "max_deposit", "min_withdrawal", "max_withdrawal")


class MethodRefused(DomainError):
    """The method or its limits are not acceptable; the message says why."""


def set_method(brand_id: int, provider: str, currency: str, limits: dict) -> PaymentMethod:
    """Create or change a payment method; `limits` maps each name of LIMITS to an amount
    text (e.g. "10.00") in `currency`."""
    brand = db.session.get(Brand, brand_id)
    if brand is None:
        raise MethodRefused(f"no brand {brand_id}")
    if provider not in providers.names():
        raise MethodRefused(f"no provider {provider!r} (known: {', '.join(providers.names())})")
    if currency not in brand.currency_list:
        raise MethodRefused(f"brand {brand_id} does not use {currency}")
    minor = {}
    for name in LIMITS:
        label = name.replace("_", "-")
        try:
            value = money.parse_amount(str(limits.get(name) or ""), currency)
        except money.InvalidAmount as exc:
            raise MethodRefused(f"--{label}: {exc}") from None
        if value <= 0:
            raise MethodRefused(f"--{label}: must be above zero")
        minor[name] = money.to_minor(value, currency)
    if (
        minor["min_deposit"] > minor["max_deposit"]
        or minor["min_withdrawal"] > minor["max_withdrawal"]
    ):
        raise MethodRefused("a minimum is above its maximum")
    row = find(brand_id, provider, currency)
    if row is None:
        row = PaymentMethod(brand_id=brand_id, provider=provider, currency=currency)
        db.session.add(row)
    for name, value in minor.items():
        setattr(row, name, value)
    db.session.flush()
    return row


def find(brand_id: int, provider: str, currency: str) -> PaymentMethod | None:
    return db.session.scalar(
        select(PaymentMethod).where(
            PaymentMethod.brand_id == brand_id,
            PaymentMethod.provider == provider,
            PaymentMethod.currency == currency,
        )
    )


def as_text(row: PaymentMethod | None) -> dict | None:
    """The method's limits as amount texts (for pages and the audit log)."""
    if row is None:
        return None
    return {name: money.format_amount(getattr(row, name), row.currency) for name in LIMITS}
