"""The ledger's invariants, checked over the whole database (`flask wallet verify`)."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.wallet.models import REAL, Account, Entry, Transaction


def problems() -> list[str]:
    """Every broken invariant, as one line each; empty when the ledger is sound."""
    found = []
    unbalanced = db.session.execute(
        select(Entry.transaction_id, func.sum(Entry.amount))
        .group_by(Entry.transaction_id)
        .having(func.sum(Entry.amount) != 0)
    ).all()
    found += [f"transaction {t}: entries sum to {s}, not 0" for t, s in unbalanced]

    sums = (
        select(Entry.account_id, func.sum(Entry.amount).label("total"))
        .group_by(Entry.account_id)
        .subquery()
    )
    drifted = db.session.execute(
        select(Account.id, Account.owner, Account.currency, Account.balance, sums.c.total)
        .outerjoin(sums, sums.c.account_id == Account.id)
        .where(Account.player_id.is_not(None))
        .where(Account.balance != func.coalesce(sums.c.total, 0))
    ).all()
    found += [
        f"account {a} ({owner} {cur}): cached balance {b} but entries sum to {t or 0}"
        for a, owner, cur, b, t in drifted
    ]

    negative = db.session.execute(
        select(Account.id, Account.owner, Account.currency, Account.balance).where(
            Account.kind == REAL, Account.balance < 0
        )
    ).all()
    found += [f"account {a} ({o} {c}): negative real balance {b}" for a, o, c, b in negative]

    reused = db.session.execute(
        select(Transaction.source, Transaction.external_id, func.count())
        .group_by(Transaction.source, Transaction.external_id)
        .having(func.count() > 1)
    ).all()
    found += [f"key ({s}, {e}) used {n} times" for s, e, n in reused]

    player_leg = (
        select(Entry.transaction_id, func.sum(Entry.amount).label("moved"))
        .join(Account, Account.id == Entry.account_id)
        .where(Account.player_id.is_not(None))
        .group_by(Entry.transaction_id)
        .subquery()
    )
    mismatched = db.session.execute(
        select(Transaction.id, Transaction.amount, player_leg.c.moved)
        .outerjoin(player_leg, player_leg.c.transaction_id == Transaction.id)
        .where(Transaction.amount != func.coalesce(player_leg.c.moved, 0))
    ).all()
    found += [f"transaction {t}: records {a} but moved {m or 0}" for t, a, m in mismatched]
    return found
