"""transactions and wallets.

transactions: deposits and withdrawals (their own rows, moved by every status change:
deposit.modified_at, withdrawal.modified_at) and the other movements of money a CRM
counts, from the ledger: bonus credits, conversions and forfeits, operators'
adjustments, cashback (wallet_transaction.created_at: a ledger row never changes).
Casino and sports stakes and wins are not transactions here: they are the game-activity
and sports-bets feeds.

Amounts are decimals in the currency's major units (12.50), never negative: `dir` says
which way the money went."""

from sqlalchemy import and_, literal, select

from portal import money
from portal.accounts.models import Player
from portal.crm.feeds.base import Feed, Part, in_window
from portal.payments import models as pay
from portal.wallet.models import CRM_KINDS, Account, Entry, Transaction

TRANSACTION_COLUMNS = (
    ("id", "text"),
    ("player_id", "text"),
    ("amount", "decimal"),
    ("currency", "text"),
    ("type", "text"),
    ("status", "text"),
    ("payment_system", "text"),
    ("dir", "text"),
    ("ref_code", "text"),
    ("created_at", "time"),
    ("updated_at", "time"),
    ("wallet_id", "text"),
    ("requisite", "text"),
    ("comment", "text"),
)

# seed 003's statuses (New, Process, Success, Fail) of a deposit's and a withdrawal's
STATUSES = {
    pay.NEW: "New",
    pay.PENDING: "New",
    pay.PROCESS: "Process",
    pay.SUCCESS: "Success",
    pay.FAIL: "Fail",
    pay.CANCELLED: "Fail",
    pay.DECLINED: "Fail",
}
# seed 003's types: normal (real money), prize (bonus), compensation, cashback, fake (a
# test player's), other
MOVEMENT_TYPES = {
    "bonus": "prize",
    "bonus_conversion": "prize",
    "bonus_forfeit": "prize",
    "adjustment": "compensation",
    "cashback": "cashback",
}
IN, OUT = "In", "Out"


def _real_account(model):
    """The id of the player's real account in the currency (the wallets feed's id)."""
    return (
        select(Account.id)
        .where(
            Account.player_id == model.player_id,
            Account.currency == model.currency,
            Account.kind == "real",
        )
        .scalar_subquery()
    )


def _cash(model, direction: str):
    def query(window):
        return (
            select(
                model.id,
                model.player_id,
                model.amount,
                model.currency,
                model.status,
                model.payment_system,
                model.provider,
                model.requisite,
                (model.note if model is pay.Deposit else model.reason).label("comment"),
                model.created_at,
                model.modified_at,
                Player.is_test,
                Player.btag,
                _real_account(model).label("wallet_id"),
                literal(direction).label("dir"),
            )
            .join(Player, Player.id == model.player_id)
            .where(in_window(model.modified_at, window))
            .order_by(model.modified_at, model.id)
        )

    return query


def _cash_row(prefix: str):
    def row(r) -> tuple:
        return (
            f"{prefix}:{r.id}",
            str(r.player_id),
            money.from_minor(r.amount, r.currency),
            r.currency,
            "fake" if r.is_test else "normal",
            STATUSES.get(r.status, "New"),
            r.payment_system or r.provider,
            r.dir,
            r.btag,
            r.created_at,
            r.modified_at,
            None if r.wallet_id is None else str(r.wallet_id),
            r.requisite,
            r.comment,
        )

    return row


def _movements(window):
    account = (
        select(Entry.account_id)
        .join(Account, Account.id == Entry.account_id)
        .where(Entry.transaction_id == Transaction.id, Account.player_id.is_not(None))
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            Transaction.id,
            Transaction.player_id,
            Transaction.kind,
            Transaction.amount,
            Transaction.currency,
            Transaction.reason,
            Transaction.created_at,
            Player.is_test,
            Player.btag,
            account.label("wallet_id"),
        )
        .join(Player, Player.id == Transaction.player_id)
        .where(
            and_(Transaction.kind.in_(CRM_KINDS), Transaction.status == "applied"),
            in_window(Transaction.created_at, window),
        )
        .order_by(Transaction.created_at, Transaction.id)
    )


def _movement_row(r) -> tuple:
    return (
        f"movement:{r.id}",
        str(r.player_id),
        money.from_minor(abs(r.amount), r.currency),
        r.currency,
        "fake" if r.is_test else MOVEMENT_TYPES.get(r.kind, "other"),
        "Success",
        None,
        IN if r.amount >= 0 else OUT,
        r.btag,
        r.created_at,
        r.created_at,
        None if r.wallet_id is None else str(r.wallet_id),
        None,
        r.reason,
    )


TRANSACTIONS = Feed(
    "transactions",
    TRANSACTION_COLUMNS,
    (
        Part(_cash(pay.Deposit, IN), row=_cash_row("deposit")),
        Part(_cash(pay.Withdrawal, OUT), row=_cash_row("withdrawal")),
        Part(_movements, row=_movement_row),
    ),
)

WALLET_TYPES = {"real": "normal", "bonus": "prize"}


def _wallets(window):
    return (
        select(
            Account.id,
            Account.player_id,
            Account.kind,
            Account.balance,
            Account.currency,
            Account.created_at,
            Account.modified_at,
        )
        .where(Account.player_id.is_not(None), in_window(Account.modified_at, window))
        .order_by(Account.modified_at, Account.id)
    )


def _wallet_row(r) -> tuple:
    return (
        str(r.id),
        str(r.player_id),
        WALLET_TYPES.get(r.kind, "other"),
        money.from_minor(r.balance, r.currency),
        r.currency,
        r.created_at,
        r.modified_at,
    )


WALLETS = Feed(
    "wallets",
    (
        ("id", "text"),
        ("player_id", "text"),
        ("type", "text"),
        ("balance", "decimal"),
        ("currency", "text"),
        ("created_at", "time"),
        ("modified_at", "time"),
    ),
    (Part(_wallets, row=_wallet_row),),
)
