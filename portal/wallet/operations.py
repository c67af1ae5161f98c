"""Money movements: the only code that writes ledger rows or balances.

Every movement is keyed by (source, external_id):
  same key, same parameters  -> the first answer again (replayed=True), nothing moves;
  same key, other parameters -> DuplicateMismatch;
  key of a cancelled original -> TransactionVoided (a refund came first).
A movement locks the player's account row (SELECT ... FOR UPDATE on PostgreSQL; SQLite
serializes writers with BEGIN IMMEDIATE) and claims its key through the unique
constraint inside a SAVEPOINT, so two identical requests at once move money once.
Operations flush; the caller commits.
"""

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import money
from portal.accounts.models import Player
from portal.extensions import db
from portal.wallet.errors import (
    AlreadyReversed,
    CurrencyNotAllowed,
    DuplicateMismatch,
    InsufficientFunds,
    InvalidAmount,
    TransactionVoided,
)
from portal.wallet.models import REAL, Account, Entry, Transaction

STAKE, WIN, REFUND, REVERSAL, ADJUSTMENT = "stake", "win", "refund", "reversal", "adjustment"
VOIDED, APPLIED = "voided", "applied"
MAX_BALANCE = 2**62  # minor units; the columns hold 2**63 - 1


@dataclass(frozen=True)
class Movement:
    """What a movement did: its transaction, whether it was a repeat, the balance after."""

    transaction: Transaction
    replayed: bool
    balance: Decimal  # the player's real balance in the currency, after the movement

    @property
    def amount(self) -> Decimal:
        return money.from_minor(abs(self.transaction.amount), self.transaction.currency)


@dataclass(frozen=True)
class Request:
    """What a caller asks to move: `minor` > 0 to the player, < 0 from the player."""

    player: Player
    currency: str
    minor: int
    source: str
    external_id: str
    kind: str
    reference: str | None = None
    reason: str | None = None
    operator: str | None = None
    account_kind: str = REAL
    original: Transaction | None = None

    def fingerprint(self) -> str:
        original = self.original.id if self.original else ""
        parts = (self.kind, self.player.id, self.currency, self.minor, self.account_kind, original)
        return hashlib.sha256(repr(parts).encode()).hexdigest()


def minor_units(player: Player, currency: str, amount, *, allow_zero=False) -> int:
    """A positive amount (string or Decimal) of an offered currency, in minor units."""
    if currency not in player.brand.currency_list:
        raise CurrencyNotAllowed(currency)
    try:
        value = money.parse_amount(amount, currency)
    except money.InvalidAmount as exc:
        raise InvalidAmount(str(exc)) from None
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidAmount(f"amount must be positive: {amount}")
    return money.to_minor(value, currency)


# --- the movements the doors call ----------------------------------------------------------


def debit(player, currency, amount, *, source, external_id, reference=None, kind=STAKE):
    """Take a stake from the player's real money; never below zero."""
    minor = minor_units(player, currency, amount)
    return move(Request(player, currency, -minor, source, external_id, kind, reference))


def credit(player, currency, amount, *, source, external_id, reference=None, kind=WIN):
    """Pay the player (a win, a jackpot). Zero is allowed: it records a lost bet's result."""
    minor = minor_units(player, currency, amount, allow_zero=True)
    return move(Request(player, currency, minor, source, external_id, kind, reference))


def refund_stake(
    player,
    currency,
    *,
    source,
    external_id,
    original_external_id,
    original_source=None,
    reference=None,
):
    """Give a stake back, at most once. Unknown stake: record that it is void (so a late
    stake is refused) and answer with a zero refund."""
    return _cancel(
        player,
        currency,
        REFUND,
        STAKE,
        source=source,
        external_id=external_id,
        original_key=(original_source or source, original_external_id),
        reference=reference,
    )


def reverse_credit(
    player,
    currency,
    *,
    source,
    external_id,
    original_external_id,
    original_source=None,
    reference=None,
):
    """Take a credited payout back, at most once; never below zero."""
    return _cancel(
        player,
        currency,
        REVERSAL,
        WIN,
        source=source,
        external_id=external_id,
        original_key=(original_source or source, original_external_id),
        reference=reference,
    )


def adjust(player, currency, amount, *, reason, operator, external_id, account_kind=REAL):
    """Support's correction with a reason: positive credits, negative debits."""
    if not (reason or "").strip():
        raise InvalidAmount("an adjustment needs a reason")
    text = str(amount).strip()
    negative = text.startswith("-")
    minor = minor_units(player, currency, text[1:] if text[:1] in "+-" else text)
    return move(
        Request(
            player,
            currency,
            -minor if negative else minor,
            "admin",
            external_id,
            ADJUSTMENT,
            reason=reason.strip()[:500],
            operator=operator,
            account_kind=account_kind,
        )
    )


# --- how a movement is applied -------------------------------------------------------------


def _cancel(player, currency, kind, original_kind, *, source, external_id, original_key, reference):
    """Move an original's amount back (a refund cancels a debit, a reversal a credit)."""
    if currency not in player.brand.currency_list:
        raise CurrencyNotAllowed(currency)
    # The account lock comes first, as in every movement: voiding an unseen original's key
    # while its stake holds the lock (and inserts that key) would deadlock.
    _locked_account(player, currency, REAL)
    original = _find(*original_key)
    if original is None:
        original = _void(player, currency, original_kind, original_key)
    if (
        original.player_id != player.id
        or original.currency != currency
        or not _cancellable(original, kind)
    ):
        raise DuplicateMismatch(original)
    minor = 0 if original.status == VOIDED else -original.amount
    request = Request(
        player, currency, minor, source, external_id, kind, reference, original=original
    )
    return move(request)


def _cancellable(original: Transaction, kind: str) -> bool:
    """A refund cancels a stake; a reversal cancels a payout (a win, a jackpot...)."""
    if kind == REFUND:
        return original.kind == STAKE
    return original.amount >= 0 and original.kind not in (STAKE, REFUND, REVERSAL, ADJUSTMENT)


def _void(player, currency, kind, key) -> Transaction:
    """Claim an unseen original's key as voided, so that it is refused when it comes."""
    void = Transaction(
        source=key[0],
        external_id=key[1],
        kind=kind,
        status=VOIDED,
        player_id=player.id,
        currency=currency,
        amount=0,
        fingerprint=VOIDED,
    )
    try:
        with db.session.begin_nested():
            db.session.add(void)
    except IntegrityError:  # the original (or another void) arrived meanwhile
        return _find(*key)
    return void


def move(request: Request) -> Movement:
    # Lock first, then look for the key: a twin that committed while we waited is seen.
    account = _locked_account(request.player, request.currency, request.account_kind)
    existing = _find(request.source, request.external_id)
    if existing is not None:
        return _repeat(existing, request)
    if request.original is not None and (reversal := _reversal_of(request.original)):
        raise AlreadyReversed(reversal)  # before the balance: a done reversal is not a shortfall
    if account.balance + request.minor > MAX_BALANCE:
        raise InvalidAmount("the balance would exceed what an account can hold")
    if request.minor < 0 and account.balance + request.minor < 0:
        raise InsufficientFunds(
            money.from_minor(account.balance, request.currency), request.currency
        )
    transaction = _claim(request)
    if transaction is None:
        return _lost_claim(request)
    if request.minor:
        house = _house_account(request.source, request.currency)
        db.session.add_all(
            [
                Entry(transaction=transaction, account=account, amount=request.minor),
                Entry(transaction=transaction, account=house, amount=-request.minor),
            ]
        )
        account.balance += request.minor
    transaction.balance_after = _real_balance(request.player, request.currency, account)
    db.session.flush()
    return Movement(
        transaction, False, money.from_minor(transaction.balance_after, request.currency)
    )


def _lost_claim(request: Request) -> Movement:
    """Another transaction took our key (a twin request) or our original (a second refund)."""
    existing = _find(request.source, request.external_id)
    if existing is not None:
        return _repeat(existing, request)
    raise AlreadyReversed(_reversal_of(request.original))


def _reversal_of(original: Transaction) -> Transaction | None:
    return db.session.scalar(select(Transaction).where(Transaction.reversal_of_id == original.id))


def _repeat(existing: Transaction, request: Request) -> Movement:
    if existing.status == VOIDED:
        raise TransactionVoided(existing)
    if existing.fingerprint != request.fingerprint():
        raise DuplicateMismatch(existing)
    balance = _real_balance(request.player, request.currency)
    return Movement(existing, True, money.from_minor(balance, request.currency))


def _claim(request: Request) -> Transaction | None:
    transaction = Transaction(
        source=request.source,
        external_id=request.external_id,
        kind=request.kind,
        status=APPLIED,
        player_id=request.player.id,
        currency=request.currency,
        amount=request.minor,
        fingerprint=request.fingerprint(),
        reference=request.reference,
        reason=request.reason,
        operator=request.operator,
        original_id=request.original.id if request.original else None,
        reversal_of_id=request.original.id if request.original else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(transaction)
    except IntegrityError:
        return None
    return transaction


def _find(source: str, external_id: str) -> Transaction | None:
    return db.session.scalar(
        select(Transaction)
        .where(Transaction.source == source, Transaction.external_id == external_id)
        .execution_options(populate_existing=True)
    )


def _locked_account(player: Player, currency: str, kind: str) -> Account:
    """The player's account, created if new, locked until the transaction ends."""
    owner = f"player:{player.id}"
    query = (
        select(Account)
        .where(Account.owner == owner, Account.currency == currency, Account.kind == kind)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    account = db.session.scalar(query)
    if account is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    Account(
                        owner=owner, player_id=player.id, currency=currency, kind=kind, balance=0
                    )
                )
        except IntegrityError:
            pass  # created concurrently
        account = db.session.scalar(query)
    return account


def lock_players(player_ids: list[int]) -> None:
    """Lock these players' rows (FOR NO KEY UPDATE on PostgreSQL: rows that merely refer to
    a player are not held up), in id order, until the transaction ends. A door whose
    request moves several players' money, or whose checks span more than one account,
    takes these locks first so that concurrent requests take turns instead of deadlocking.
    SQLite serializes writers anyway."""
    if player_ids:
        db.session.execute(
            select(Player.id)
            .where(Player.id.in_(sorted(player_ids)))
            .order_by(Player.id)
            .with_for_update(key_share=True)
        )


def lock_account(player: Player, currency: str, kind: str = REAL) -> None:
    """Lock the player's account for the rest of the transaction, so that a door's own
    checks and the movement that follows see no concurrent movement in between."""
    _locked_account(player, currency, kind)


def _house_account(source: str, currency: str) -> Account:
    owner = f"house:{source}"
    query = select(Account).where(
        Account.owner == owner, Account.currency == currency, Account.kind == "house"
    )
    account = db.session.scalar(query)
    if account is None:
        try:
            with db.session.begin_nested():
                account = Account(owner=owner, currency=currency, kind="house", balance=0)
                db.session.add(account)
        except IntegrityError:
            account = db.session.scalar(query)
    return account


def _real_balance(player: Player, currency: str, account: Account | None = None) -> int:
    if account is not None and account.kind == REAL:
        return account.balance
    balance = db.session.scalar(
        select(Account.balance).where(
            Account.owner == f"player:{player.id}",
            Account.currency == currency,
            Account.kind == REAL,
        )
    )
    return balance or 0
