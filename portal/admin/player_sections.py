"""What the player page shows, section by section: each a read of the core's tables,
newest first and limited to the latest `limit` rows (the page offers more on request).
The ledger is the one section paged in full (portal.admin.paging)."""

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.accounts.models import LoginEvent, Player, PlayerChange, PlayerSession, Signature
from portal.admin.models import PlayerNote
from portal.bonuses.models import BonusAssignment
from portal.casino.models import CasinoBet, CasinoPayment
from portal.coupons.models import Coupon
from portal.extensions import db
from portal.limits import operations as limits
from portal.limits.models import Exclusion
from portal.payments import queries as cashier
from portal.payments.models import Deposit, Withdrawal
from portal.sportsbook.models import SportsBet
from portal.timeutil import utcnow
from portal.wallet import queries as wallet

LATEST = 20  # rows a section shows at first
MORE = 500  # rows it shows when asked for more

# section name -> (model, its ordering column); all are filtered by player_id
_LISTS = {
    "changes": (PlayerChange, PlayerChange.id),
    "deposits": (Deposit, Deposit.id),
    "withdrawals": (Withdrawal, Withdrawal.id),
    "bonuses": (BonusAssignment, BonusAssignment.id),
    "exclusions": (Exclusion, Exclusion.id),
    "sessions": (PlayerSession, PlayerSession.id),
    "logins": (LoginEvent, LoginEvent.id),
    "signatures": (Signature, Signature.id),
    "sports_bets": (SportsBet, SportsBet.id),
    "coupons": (Coupon, Coupon.id),
    "notes": (PlayerNote, PlayerNote.id),
}
SECTIONS = (*_LISTS, "limit_changes", "casino_rounds")


@dataclass(frozen=True)
class Held:
    """A currency's balances: real, bonus, and withdrawals asked for and not yet paid."""

    currency: str
    real: object
    bonus: object
    held: object


@dataclass(frozen=True)
class Round:
    bet: CasinoBet
    stake: int
    payout: int


def rows(player: Player, section: str, limit: int) -> list:
    model, order = _LISTS[section]
    query = select(model).where(model.player_id == player.id).order_by(order.desc())
    return list(db.session.scalars(query.limit(limit)))


def balances(player: Player) -> list[Held]:
    found = []
    for balance in wallet.balances(player):
        waiting = cashier.figures(player.id, balance.currency).pending_withdrawal
        found.append(Held(balance.currency, balance.real, balance.bonus, waiting))
    return found


def limit_changes(player: Player, limit: int) -> list:
    return limits.history(player)[:limit]


def casino_rounds(player: Player, limit: int) -> list[Round]:
    """The latest casino bets with what was staked and paid on each (minor units)."""
    bets = list(
        db.session.scalars(
            select(CasinoBet)
            .where(CasinoBet.player_id == player.id)
            .order_by(CasinoBet.id.desc())
            .limit(limit)
        )
    )
    sums = {}
    if bets:
        kind = CasinoPayment.transaction_type
        query = (
            select(CasinoPayment.bet_id, kind, func.sum(CasinoPayment.amount))
            .where(CasinoPayment.bet_id.in_([b.bet_id for b in bets]))
            .group_by(CasinoPayment.bet_id, kind)
        )
        for bet_id, kind, amount in db.session.execute(query):
            stake, payout = sums.get(bet_id, (0, 0))
            if kind == -1:
                stake += int(amount or 0)
            else:
                payout += int(amount or 0)
            sums[bet_id] = (stake, payout)
    return [Round(b, *sums.get(b.bet_id, (0, 0))) for b in bets]


def live(session: PlayerSession) -> bool:
    """The session has not been revoked and has not reached its absolute end (an idle one
    ends by itself when next used)."""
    return session.revoked_at is None and session.expires_at > utcnow()


def load(player: Player, more: str | None) -> dict:
    """Every section of the player page; `more` names the one to show at length."""

    def size(name):
        return MORE if more == name else LATEST

    found = {name: rows(player, name, size(name)) for name in _LISTS}
    found["limit_changes"] = limit_changes(player, size("limit_changes"))
    found["casino_rounds"] = casino_rounds(player, size("casino_rounds"))
    found["limits"] = limits.limits_of(player)
    found["exclusion"] = limits.current_exclusion(player)
    found["balances"] = balances(player)
    return found
