"""How a movement uses the bonus balance of a player with an active bonus (portal.bonuses):
only for a real account flagged `bonus_active`, so other players pay nothing for it.

- a stake (or a reversal) that real money cannot cover takes real money first and the rest
  from the bonus balance: legs real -r, bonus -b, house +(r + b);
- a win or jackpot on a bet whose stake took bonus money pays that share of it (the win
  times the stake's bonus part over the stake, rounded down) to the bonus balance, and a
  refund of such a stake gives its bonus part back to the bonus balance: legs real +r,
  bonus +b, house -(r + b).
The transaction records its bonus leg (`bonus_amount`); its `amount` is both legs.
"""

from dataclasses import dataclass

from sqlalchemy import select, update

from portal.extensions import db
from portal.wallet.models import BONUS, REAL, Account, Entry, Transaction

_accounts, _entries, _transactions = Account.__table__, Entry.__table__, Transaction.__table__
WINS = ("win", "jackpot")


@dataclass(frozen=True)
class Split:
    real_account: int
    real_minor: int  # signed, + to the player
    bonus_account: int
    bonus_minor: int  # signed
    real_balance: int  # the real balance after the movement
    limited: bool = False  # the real account's flag (portal.limits.checks)


def debit(request, owner: str) -> Split | None:
    """Real money first, then bonus money; None when the account has no active bonus or
    both together cannot cover the debit."""
    real = db.session.execute(
        select(_accounts.c.id, _accounts.c.balance, _accounts.c.bonus_active, _accounts.c.limited)
        .where(_account(owner, request.currency, REAL))
        .with_for_update()
    ).first()
    if real is None or not real.bonus_active:
        return None
    from portal.bonuses import operations as bonuses

    bonuses.expire_if_due(request.player.id, request.currency)  # expired money is not played
    bonus_id, bonus_balance = _bonus_account(owner, request)
    wanted = -request.minor
    if real.balance + bonus_balance < wanted:
        return None
    from_real = min(real.balance, wanted)
    _add(real.id, -from_real)
    _add(bonus_id, -(wanted - from_real))
    left = real.balance - from_real
    return Split(real.id, -from_real, bonus_id, -(wanted - from_real), left, real.limited)


def credit_share(request, owner: str, real_account: int, real_balance: int) -> Split | None:
    """The bonus share of a credit already added to the real account (None: no share)."""
    share = _share(request)
    if not share:
        return None
    bonus_id, _ = _bonus_account(owner, request)
    _add(real_account, -share)
    _add(bonus_id, share)
    return Split(real_account, request.minor - share, bonus_id, share, real_balance - share)


def _share(request) -> int:
    if request.kind in WINS and request.reference:
        stake = db.session.execute(
            select(_transactions.c.amount, _transactions.c.bonus_amount)
            .where(
                _transactions.c.source == request.source,
                _transactions.c.reference == request.reference,
                _transactions.c.player_id == request.player.id,
                _transactions.c.kind == "stake",
                _transactions.c.bonus_amount.is_not(None),
            )
            .limit(1)
        ).first()
        if stake is None or not stake.amount:
            return 0
        return request.minor * stake.bonus_amount // stake.amount  # both < 0: rounded down
    if request.kind == "refund" and request.original_id is not None:
        part = db.session.scalar(
            select(_transactions.c.bonus_amount).where(_transactions.c.id == request.original_id)
        )
        return -part if part else 0
    return 0


def record_playable(transaction_id: int, player_id: int, currency: str) -> int:
    """Real and bonus money now, after a movement of a flagged account and whatever it
    caused (a stake that met the wagering converted the bonus): kept on the transaction
    as its answer (`playable_after`), which a repeat gives again."""
    from portal.wallet.operations import playable_balance_minor

    playable = playable_balance_minor(player_id, currency)
    db.session.execute(
        update(_transactions)
        .where(_transactions.c.id == transaction_id)
        .values(playable_after=playable)
    )
    return playable


def settle_late_share(transaction_id: int, request, split: Split) -> None:
    """The bonus share of a credit whose bonus has ended is forfeited at once."""
    from portal.bonuses import operations as bonuses

    if split.bonus_minor > 0 and bonuses.active(request.player.id, request.currency) is None:
        bonuses.forfeit_late_share(
            request.player, request.currency, transaction_id, split.bonus_minor
        )


def put_back(split: Split) -> None:
    _add(split.real_account, -split.real_minor)
    _add(split.bonus_account, -split.bonus_minor)


def post_entries(transaction_id: int, request, split: Split, house_account: int) -> None:
    legs = [
        (split.real_account, split.real_minor),
        (split.bonus_account, split.bonus_minor),
        (house_account, -request.minor),
    ]
    db.session.execute(
        _entries.insert(),
        [{"transaction_id": transaction_id, "account_id": a, "amount": m} for a, m in legs if m],
    )
    db.session.execute(
        update(_transactions)
        .where(_transactions.c.id == transaction_id)
        .values(bonus_amount=split.bonus_minor)
    )


def _bonus_account(owner: str, request) -> tuple[int, int]:
    found = db.session.execute(
        select(_accounts.c.id, _accounts.c.balance)
        .where(_account(owner, request.currency, BONUS))
        .with_for_update()
    ).first()
    if found is None:
        from portal.wallet.operations import _create_account

        _create_account(request.player.id, request.currency, BONUS)
        return _bonus_account(owner, request)
    return found.id, found.balance


def _add(account_id: int, minor: int) -> None:
    if minor:
        db.session.execute(
            update(_accounts)
            .where(_accounts.c.id == account_id)
            .values(balance=_accounts.c.balance + minor)
        )


def _account(owner: str, currency: str, kind: str):
    return (
        (_accounts.c.owner == owner)
        & (_accounts.c.currency == currency)
        & (_accounts.c.kind == kind)
    )
