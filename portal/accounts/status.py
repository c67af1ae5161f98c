"""What the gateway's online-player endpoints report: status, info, reality check.

Balances and bet/win totals come from the wallet's ledger, deposits and withdrawals from
the cashier (portal.payments.queries), bonus and wagering figures from the bonuses
(portal.bonuses.queries). Fields the portal has no source for (segmentation) are zero or
empty.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from babel.numbers import get_currency_symbol

from portal import money
from portal.accounts.models import Player, PlayerSession
from portal.timeutil import utcnow
from portal.wallet import queries as wallet


@dataclass(frozen=True)
class Activity:
    """Money figures of a player in one currency (totals since `since`)."""

    real_balance: Decimal
    bonus_balance: Decimal
    total_bets: Decimal
    total_wins: Decimal
    rounds: int
    last_bet: datetime | None


def activity(player: Player, currency: str, since=None) -> Activity:
    balance = wallet.balance(player, currency)
    totals = wallet.totals(player, currency, since)
    return Activity(
        balance.real, balance.bonus, totals.bets, totals.wins, totals.rounds, totals.last_bet
    )


def online_status(player: Player, session: PlayerSession) -> dict:
    currency = player.active_currency
    from portal.bonuses import queries as bonuses
    from portal.payments import queries as cashier

    figures = activity(player, currency, since=session.created_at)
    money_in_out = cashier.figures(player.id, currency)
    bonus = bonuses.figures(player.id, currency, session.created_at)
    total = figures.real_balance + figures.bonus_balance
    return {
        "marketingSegmentation": "",
        "tag_status": 0,
        "deposit_count": money_in_out.deposit_count,
        "vip_level": str(player.vip_level),
        "average_deposit": money_in_out.average_deposit,
        "billboard": "",
        "segmentation_id": 0,
        "maxBalance": money.to_minor(total, currency),  # minor units, as the seed shows
        "UT": 0,
        "decline": "0",
        "VIP_segment": player.vip_level,
        "total_balance": total,
        "pending_withdrawal": money_in_out.pending_withdrawal,
        "total_withdrawals": money_in_out.total_withdrawals,
        "last_bet": _timestamp(figures.last_bet),
        "last_deposit": _timestamp(money_in_out.last_deposit),
        "last_deposit_amount": money_in_out.last_deposit_amount,
        "rounds_since_login": figures.rounds,
        "balance_since_login": figures.total_wins - figures.total_bets,
        "playerIdLink": "",
        "bonusOptOut": 0,
        "real_balance": figures.real_balance,
        "freeTraffic": False,
        "depositsAmount": money_in_out.deposits_amount,
        "chat_opt_out": player.opt_out_chat,
        "bonusBalance": figures.bonus_balance,
        "maxWin": bonus.max_win,
        "wageringBalance": bonus.wagering_left,
        "wageringComplete": "1" if bonus.completed_since else "0",
        "currency": currency,
        "wageringCompleteInfoPath": (
            f"/gateway/bonus/1/wagering-complete/{player.brand_id}/{player.id}/"
            f"{bonus.last_completed_ref}"
            if bonus.last_completed_ref
            else None
        ),
    }


def _timestamp(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else None


def player_info(player: Player) -> dict:
    currency = player.active_currency
    return {
        "playerID": {
            "username": player.login_name or player.email,
            "ID": player.id,
            "brand": player.brand_id,
        },
        "firstName": player.first_name or "",
        "lastName": player.last_name or "",
        "gender": player.gender or "",
        "email": player.email,
        "vip_level": player.vip_level,
        "country": player.country or "",
        "test_account": int(player.is_test),
        "currencyName": currency,
        "currencySymbol": get_currency_symbol(currency, locale="en"),
        "bTag": player.btag or "",
    }


# --- reality check ----------------------------------------------------------------------


def reality_check_due_at(session: PlayerSession) -> datetime | None:
    """When the session's next reality check is due (None: the brand has none)."""
    minutes = session.player.brand.reality_check_minutes
    if not minutes:
        return None
    return session.reality_check_due_at or session.created_at + timedelta(minutes=minutes)


def reality_check_due(session: PlayerSession) -> bool:
    due = reality_check_due_at(session)
    return due is not None and utcnow() >= due


def reality_check(session: PlayerSession, *, short: bool = False) -> dict:
    """The session summary the player must acknowledge (seed 002, 303 body)."""
    player = session.player
    minutes = player.brand.reality_check_minutes
    figures = activity(player, player.active_currency, since=session.created_at)
    played = int((utcnow() - session.created_at).total_seconds() // 60)
    hours, mins = divmod(played, 60)
    summary = {
        "currency": player.active_currency,
        "profit": figures.total_wins - figures.total_bets,
    }
    if not short:
        summary |= {
            "total_bets": figures.total_bets,
            "total_wins": figures.total_wins,
            "total_lossed": max(figures.total_bets - figures.total_wins, Decimal(0)),
        }
    return summary | {
        "restart_period": f"{minutes}_min",
        "time_played": _duration(hours, mins),
        "min": str(mins),
        "h": str(hours),
    }


def _duration(hours: int, minutes: int) -> str:
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def acknowledge_reality_check(session: PlayerSession) -> None:
    minutes = session.player.brand.reality_check_minutes
    if minutes:
        session.reality_check_due_at = utcnow() + timedelta(minutes=minutes)
