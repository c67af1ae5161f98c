"""Money movements: the only code that writes ledger rows or balances.

Every movement is keyed by (source, external_id):
  same key, same parameters  -> the first answer again (replayed=True), nothing moves;
  same key, other parameters -> DuplicateMismatch;
  key of a cancelled original -> TransactionVoided (a refund came first).

How a movement is applied, in as few statements as the database allows:
  1. (unless the caller knows the key is new) look the key up: a repeat is answered here;
  2. UPDATE the account's balance, refusing below zero, RETURNING the new balance: this
     also locks the account row (PostgreSQL; SQLite serializes writers with BEGIN
     IMMEDIATE) until the transaction ends, so a player's movements take turns;
  3. INSERT the transaction with its balance_after, ON CONFLICT DO NOTHING: the unique
     key decides between twins; the loser puts the balance back and answers as a repeat;
  4. INSERT both entries (the player's leg and the house's) in one statement.
Operations flush nothing to the ORM and never commit; the caller commits.
"""

import hashlib
from collections import namedtuple
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial

from sqlalchemy import BigInteger, bindparam, case, exists, func, select, union_all, update

from portal import money
from portal.accounts import facts
from portal.accounts.models import Player
from portal.database import Contended
from portal.extensions import db
from portal.sql import insert_new, listed, listed_values, prepared
from portal.wallet import bonus_legs
from portal.wallet.errors import (
    AlreadyReversed,
    CurrencyNotAllowed,
    DuplicateMismatch,
    InsufficientFunds,
    InvalidAmount,
    TransactionVoided,
)
from portal.wallet.models import BONUS, REAL, Account, Entry, Transaction

STAKE, WIN, REFUND, REVERSAL, ADJUSTMENT = "stake", "win", "refund", "reversal", "adjustment"
VOIDED, APPLIED = "voided", "applied"
HOUSE = "house"
MAX_BALANCE = 2**62  # minor units; the columns hold 2**63 - 1
HOUSE_OWNER_PREFIX = "house:"

_accounts, _transactions, _entries = Account.__table__, Transaction.__table__, Entry.__table__
# What a repeat, a mismatch or a void needs to know of an existing transaction.
KEY_COLUMN_NAMES = (
    "id",
    "source",
    "external_id",
    "kind",
    "status",
    "player_id",
    "currency",
    "amount",
    "fingerprint",
    "balance_after",
    "playable_after",
)
# A key's transaction as a door read it; `balance_now`: the player's playable balance (real
# and bonus money) in its currency, read in the same statement (None: the wallet reads it
# for a repeat's answer).
KeyRow = namedtuple("KeyRow", (*KEY_COLUMN_NAMES, "balance_now"), defaults=(None,))
UNKNOWN = object()  # the caller has not looked the key up


def key_columns(table=_transactions) -> list:
    """The columns of KeyRow, of the transaction table (or an alias of it)."""
    return [table.c[name] for name in KEY_COLUMN_NAMES]


_KEY_COLUMNS = key_columns()


@dataclass(frozen=True)
class Holder:
    """Who a movement is for, when the door has no Player loaded: the player's id and the
    currencies of their brand (both never change)."""

    id: int
    currencies: tuple[str, ...]


@dataclass(frozen=True)
class Movement:
    """What a movement did: its transaction, whether it was a repeat, the balance after."""

    transaction_id: int
    minor: int  # what the transaction moved, signed (+ to the player)
    currency: str
    balance_after: int  # the player's real balance right after the transaction (minor)
    replayed: bool
    player_id: int
    balance_now: int | None = None  # playable, minor; None: read when `balance` is asked
    first_playable: int | None = None  # real and bonus money right after the first time

    @property
    def balance(self) -> Decimal:
        """The player's playable balance now (real, and bonus money of a bonus): right
        after the movement, or at the repeat."""
        minor = self.balance_now
        if minor is None:
            minor = playable_balance_minor(self.player_id, self.currency)
        return money.from_minor(minor, self.currency)

    @property
    def playable_after(self) -> int:
        """Real and bonus money right after the movement (its first time), minor units."""
        return self.balance_after if self.first_playable is None else self.first_playable

    @property
    def amount(self) -> Decimal:
        return money.from_minor(abs(self.minor), self.currency)

    @property
    def transaction(self) -> Transaction:
        """The transaction row (loaded on demand: the doors' hot paths do not need it)."""
        return db.session.get(Transaction, self.transaction_id)


@dataclass(frozen=True)
class Request:
    """What a caller asks to move: `minor` > 0 to the player, < 0 from the player."""

    player: Player | Holder
    currency: str
    minor: int
    source: str
    external_id: str
    kind: str
    reference: str | None = None
    reason: str | None = None
    operator: str | None = None
    account_kind: str = REAL
    original_id: int | None = None  # the transaction a refund or reversal cancels
    # Keys (of the same source) the caller read as absent and relied on: if one of them
    # exists once the account is locked, the movement raises Contended (the request runs
    # again and sees it). Lets a door check an order of movements without a lock of its own.
    unless_keys: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        original = self.original_id or ""
        parts = (self.kind, self.player.id, self.currency, self.minor, self.account_kind, original)
        return hashlib.sha256(repr(parts).encode()).hexdigest()


def holder_of(player_id: int) -> Holder:
    """The Holder of a player known by id (their brand's currencies, cached per process)."""
    return Holder(player_id, facts.player_currencies(player_id))


def owner_of(player_id: int) -> str:
    """The `owner` of a player's accounts (unique with currency and kind: the index every
    balance look-up uses)."""
    return f"player:{player_id}"


def currencies_of(player: Player | Holder) -> tuple[str, ...] | list[str]:
    return player.currencies if isinstance(player, Holder) else player.brand.currency_list


def minor_units(player, currency: str, amount, *, allow_zero=False) -> int:
    """A positive amount (string or Decimal) of an offered currency, in minor units."""
    if currency not in currencies_of(player):
        raise CurrencyNotAllowed(currency)
    try:
        value = money.parse_amount(amount, currency)
    except money.InvalidAmount as exc:
        raise InvalidAmount(str(exc)) from None
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidAmount(f"amount must be positive: {amount}")
    return money.to_minor(value, currency)


# --- the movements the doors call ----------------------------------------------------------


def debit(
    player,
    currency,
    amount,
    *,
    source,
    external_id,
    reference=None,
    kind=STAKE,
    existing=UNKNOWN,
    unless_keys=(),
):
    """Take a stake from the player's real money; never below zero.

    `existing`: the key's transaction (a KeyRow) as the caller has just read it, or None
    when the caller knows the key is new (it just claimed the bet the key belongs to, or
    read the bet's keys under the player's lock): the wallet then does not look it up
    again. Should the key exist after all, the movement is undone and answered as if it
    had been looked up. `unless_keys`: see Request."""
    minor = minor_units(player, currency, amount)
    request = Request(player, currency, -minor, source, external_id, kind, reference)
    return move(replace(request, unless_keys=tuple(unless_keys)), existing)


def credit(
    player,
    currency,
    amount,
    *,
    source,
    external_id,
    reference=None,
    kind=WIN,
    existing=UNKNOWN,
    unless_keys=(),
):
    """Pay the player (a win, a jackpot). Zero is allowed: it records a lost bet's result.
    `existing` as for debit."""
    minor = minor_units(player, currency, amount, allow_zero=True)
    request = Request(player, currency, minor, source, external_id, kind, reference)
    return move(replace(request, unless_keys=tuple(unless_keys)), existing)


def refund_stake(
    player,
    currency,
    *,
    source,
    external_id,
    original_external_id,
    original_source=None,
    reference=None,
    unless_keys=(),
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
        unless_keys=unless_keys,
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
    unless_keys=(),
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
        unless_keys=unless_keys,
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


def _cancel(
    player,
    currency,
    kind,
    original_kind,
    *,
    source,
    external_id,
    original_key,
    reference,
    unless_keys=(),
):
    """Move an original's amount back (a refund cancels a debit, a reversal a credit).
    `unless_keys` as for Request; the original's own key among them means "the caller saw
    no original": one found now arrived meanwhile (Contended), none found is voided here."""
    if currency not in currencies_of(player):
        raise CurrencyNotAllowed(currency)
    # The account lock comes first, as in every movement: voiding an unseen original's key
    # while its stake holds the lock (and inserts that key) would deadlock.
    lock_account(player, currency, REAL)
    original = find(*original_key)
    relied_on_absence = original_key[0] == source and original_key[1] in unless_keys
    if original is not None and relied_on_absence:
        raise Contended(f"{original_key} arrived meanwhile")
    if original is None:
        original = _void(player, currency, original_kind, original_key)
    if (
        original.player_id != player.id
        or original.currency != currency
        or not _cancellable(original, kind)
    ):
        raise DuplicateMismatch(original)
    minor = 0 if original.status == VOIDED else -original.amount
    others = tuple(key for key in unless_keys if not relied_on_absence or key != original_key[1])
    request = Request(
        player,
        currency,
        minor,
        source,
        external_id,
        kind,
        reference,
        original_id=original.id,
        unless_keys=others,
    )
    return move(request)


def _cancellable(original, kind: str) -> bool:
    """A refund cancels a stake; a reversal cancels a payout (a win, a jackpot...)."""
    if kind == REFUND:
        return original.kind == STAKE
    return original.amount >= 0 and original.kind not in (STAKE, REFUND, REVERSAL, ADJUSTMENT)


def _void(player, currency, kind, key):
    """Claim an unseen original's key as voided, so that it is refused when it comes."""
    inserted = db.session.execute(
        insert_new(_transactions)
        .values(
            source=key[0],
            external_id=key[1],
            kind=kind,
            status=VOIDED,
            player_id=player.id,
            currency=currency,
            amount=0,
            fingerprint=VOIDED,
        )
        .returning(*_KEY_COLUMNS)
    ).first()
    return inserted or find(*key)  # else the original (or another void) arrived meanwhile


def move(request: Request, existing=UNKNOWN) -> Movement:
    """Apply one movement (see the module's docstring). `existing` as for debit."""
    if existing is UNKNOWN:
        existing = find(request.source, request.external_id)
    if existing is not None:
        return _repeat(existing, request)
    if request.original_id is not None and (reversal := _reversal_of(request.original_id)):
        raise AlreadyReversed(reversal)  # before the balance: a done reversal is not a shortfall
    applied, split = _apply_to_balance(request), None
    if applied is None:  # refused for the balance: unless a twin got there first, say why
        if (existing := find(request.source, request.external_id)) is not None:
            return _repeat(existing, request)
        split = _bonus_debit(request)  # (a player with an active bonus: bonus money next)
        if split is None:
            _refuse(request)
        applied = (split.real_account, split.real_balance, True, split.limited)
    account_id, balance, bonus_active, limited = applied
    if limited and (repeat := _check_limits(request, account_id, split)) is not None:
        return repeat
    if bonus_active and split is None and request.minor > 0 and request.account_kind == REAL:
        split = bonus_legs.credit_share(request, owner_of(request.player.id), account_id, balance)
    balance = split.real_balance if split is not None else balance
    balance_after = balance if request.account_kind == REAL else real_balance(request)
    transaction_id = _claim(request, balance_after)
    if transaction_id is None and request.unless_keys:
        raise Contended(f"{request.source}: one of {request.unless_keys} was written meanwhile")
    if transaction_id is None:  # a twin, or a second refund of the original, was first
        if split is not None:
            bonus_legs.put_back(split)
        else:
            _put_back(account_id, request.minor)
        return _lost_claim(request)
    if split is not None:
        bonus_legs.post_entries(transaction_id, request, split, _house_account(request))
        if request.minor > 0:  # a bonus share of a win or refund: its bonus may be over
            bonus_legs.settle_late_share(transaction_id, request, split)
    elif request.minor:
        _post_entries(transaction_id, account_id, request)
    if bonus_active and request.kind in (STAKE, REFUND):
        from portal.bonuses import wagering  # (only for a player with an active bonus)

        # a stake counts toward the wagering; a refunded stake no longer does
        wagering.count_stake(request.player.id, request.currency, -request.minor)
    playable = None
    if bonus_active and request.account_kind == REAL:  # real (converted?) and bonus money
        playable = bonus_legs.record_playable(transaction_id, request.player.id, request.currency)
    return Movement(
        transaction_id,
        request.minor,
        request.currency,
        balance_after,
        False,
        request.player.id,
        balance_after if playable is None else playable,
        playable,
    )


def _check_limits(request: Request, account_id: int, split) -> Movement | None:
    """A stake of a player with limits or an exclusion (the account is locked by now, so
    the player's other stakes wait): refused with the limit's error after the balance is
    put back, unless a twin of this stake got there first (then answered as its repeat)."""
    if request.kind != STAKE or request.minor >= 0 or request.account_kind != REAL:
        return None  # wins, refunds, reversals and adjustments are never refused for limits
    from portal.limits import checks  # (only for a flagged account)

    refusal = checks.stake_refusal(request.player.id, request.currency, -request.minor)
    if refusal is None:
        return None
    if split is not None:
        bonus_legs.put_back(split)
    else:
        _put_back(account_id, request.minor)
    if (existing := find(request.source, request.external_id)) is not None:
        return _repeat(existing, request)
    raise refusal


def _bonus_debit(request: Request):
    """A stake or reversal real money cannot cover, of a player with an active bonus."""
    if request.minor < 0 and request.account_kind == REAL and request.kind in (STAKE, REVERSAL):
        return bonus_legs.debit(request, owner_of(request.player.id))
    return None


def _house_account(request: Request) -> int:
    """The door's house account in the currency (created on first use)."""
    owner = HOUSE_OWNER_PREFIX + request.source
    query = select(_accounts.c.id).where(
        _accounts.c.owner == owner,
        _accounts.c.currency == request.currency,
        _accounts.c.kind == HOUSE,
    )
    found = db.session.scalar(query)
    if found is None:
        _create_account(None, request.currency, HOUSE, owner=owner)
        found = db.session.scalar(query)
    return found


def _apply_to_balance(request: Request) -> tuple[int, int, bool, bool] | None:
    """(account id, new balance, its bonus_active and limited flags), or None when the
    balance may not move so; the account is created (with 0) on its first movement."""
    statement = _balance_update(request)
    parameters = {
        "minor": request.minor,
        "of_owner": owner_of(request.player.id),
        "of_currency": request.currency,
        "of_kind": request.account_kind,
    }
    for _ in range(3):
        row = statement.first(parameters)
        if row is not None:
            return row.id, row.balance, row.bonus_active, row.limited
        balance = _account_balance(request)
        if balance is None:
            _create_account(request.player.id, request.currency, request.account_kind)
        elif not 0 <= balance + request.minor <= MAX_BALANCE:
            return None
        # else: the account was created by a concurrent first movement after our UPDATE
        # looked for it (PostgreSQL): try again, now that it is there
    raise AssertionError("the account was created but cannot be found")


def _balance_update(request: Request):
    """UPDATE the balance by :minor, refusing below zero (a debit) or above MAX_BALANCE (a
    credit), RETURNING the account's id and new balance."""
    direction = "debit" if request.minor < 0 else "credit" if request.minor > 0 else "zero"
    return prepared(f"wallet.balance_update.{direction}", partial(_balance_statement, direction))


def _balance_statement(direction: str, _dialect: str):
    new_balance = _accounts.c.balance + bindparam("minor", type_=BigInteger)
    statement = (
        update(_accounts)
        .where(
            _accounts.c.owner == bindparam("of_owner"),
            _accounts.c.currency == bindparam("of_currency"),
            _accounts.c.kind == bindparam("of_kind"),
        )
        .values(balance=new_balance)
        .returning(
            _accounts.c.id, _accounts.c.balance, _accounts.c.bonus_active, _accounts.c.limited
        )
    )
    if direction == "debit":
        statement = statement.where(new_balance >= 0)
    elif direction == "credit":
        statement = statement.where(new_balance <= MAX_BALANCE)
    return statement


def _refuse(request: Request):
    """Refuse for the balance; InsufficientFunds tells what the player could play with (real
    and bonus money: a bonus-funded stake was tried already)."""
    if request.account_kind == REAL:
        balance = playable_balance_minor(request.player.id, request.currency)
    else:
        balance = _account_balance(request)
    if request.minor > 0:
        raise InvalidAmount("the balance would exceed what an account can hold")
    raise InsufficientFunds(money.from_minor(balance, request.currency), request.currency)


def _account_balance(request: Request) -> int | None:
    return db.session.scalar(
        select(_accounts.c.balance).where(
            _accounts.c.owner == owner_of(request.player.id),
            _accounts.c.currency == request.currency,
            _accounts.c.kind == request.account_kind,
        )
    )


def _create_account(player_id: int | None, currency: str, kind: str, owner: str | None = None):
    """A new account with 0; a player's real account inherits the player's `limited`."""
    limited = False
    if player_id is not None and kind == REAL:
        limited = select(Player.limited).where(Player.id == player_id).scalar_subquery()
    db.session.execute(
        insert_new(_accounts).values(
            owner=owner or owner_of(player_id),
            player_id=player_id,
            currency=currency,
            kind=kind,
            balance=0,
            limited=limited,
        )
    )


def _put_back(account_id: int, minor: int) -> None:
    db.session.execute(
        update(_accounts)
        .where(_accounts.c.id == account_id)
        .values(balance=_accounts.c.balance - minor)
    )


def _claim(request: Request, balance_after: int) -> int | None:
    """Insert the transaction; None when its key (or its original's cancellation) exists,
    or when one of the request's `unless_keys` does."""
    values = {
        "source": request.source,
        "external_id": request.external_id,
        "kind": request.kind,
        "status": APPLIED,
        "player_id": request.player.id,
        "currency": request.currency,
        "amount": request.minor,
        "fingerprint": request.fingerprint(),
        "reference": request.reference,
        "reason": request.reason,
        "operator": request.operator,
        "original_id": request.original_id,
        "reversal_of_id": request.original_id,
        "balance_after": balance_after,
    }
    if request.unless_keys:
        unless = list(request.unless_keys)
        count = len(unless)
        statement = prepared(
            f"wallet.claim_unless.{count}", partial(_claim_unless_statement, count)
        )
        return statement.scalar({**values, **listed_values("unless", unless)})
    return prepared("wallet.claim", _claim_statement).scalar(values)


_CLAIMED = (
    "source",
    "external_id",
    "kind",
    "status",
    "player_id",
    "currency",
    "amount",
    "fingerprint",
    "reference",
    "reason",
    "operator",
    "original_id",
    "reversal_of_id",
    "balance_after",
)


def _claim_statement(dialect: str):
    values = {name: bindparam(name, type_=_transactions.c[name].type) for name in _CLAIMED}
    values["created_at"] = func.portal_now()  # the database's clock (portal.dbclock)
    return insert_new(_transactions, dialect).values(values).returning(_transactions.c.id)


def _claim_unless_statement(count: int, dialect: str):
    taken = exists().where(
        _transactions.c.source == bindparam("source"),
        _transactions.c.external_id.in_(listed("unless", count)),
    )
    row = select(
        *[bindparam(name, type_=_transactions.c[name].type) for name in _CLAIMED],
        func.portal_now(),
    )
    columns = [*_CLAIMED, "created_at"]
    statement = insert_new(_transactions, dialect).from_select(columns, row.where(~taken))
    return statement.returning(_transactions.c.id)


def _post_entries(transaction_id: int, account_id: int, request: Request) -> None:
    """The player's leg and the house's (the door's account in the currency) at once; the
    house account is created the first time a door moves money in a currency."""
    owner = HOUSE_OWNER_PREFIX + request.source
    parameters = {
        "transaction_id": transaction_id,
        "account_id": account_id,
        "minor": request.minor,
        "house": owner,
        "currency": request.currency,
        "house_minor": -request.minor,
    }
    inserted = prepared("wallet.entries", _entries_statement).rows(parameters)
    if len(inserted) == 1:  # no house account yet in this currency
        _create_account(None, request.currency, HOUSE, owner=owner)
        prepared("wallet.house_entry", _house_entry_statement).execute(parameters)


_LEG = ["transaction_id", "account_id", "amount"]


def _entries_statement(_dialect: str):
    player_leg = select(
        bindparam("transaction_id", type_=BigInteger),
        bindparam("account_id", type_=BigInteger),
        bindparam("minor", type_=BigInteger),
    )
    legs = union_all(player_leg, _house_leg())
    return _entries.insert().from_select(_LEG, legs).returning(_entries.c.id)


def _house_entry_statement(_dialect: str):
    return _entries.insert().from_select(_LEG, _house_leg())


def _house_leg():
    return select(
        bindparam("transaction_id", type_=BigInteger),
        _accounts.c.id,
        bindparam("house_minor", type_=BigInteger),
    ).where(
        _accounts.c.owner == bindparam("house"),
        _accounts.c.currency == bindparam("currency"),
        _accounts.c.kind == HOUSE,
    )


def _lost_claim(request: Request) -> Movement:
    """Another transaction took our key (a twin request) or our original (a second refund)."""
    existing = find(request.source, request.external_id)
    if existing is not None:
        return _repeat(existing, request)
    if request.original_id is not None and (reversal := _reversal_of(request.original_id)):
        raise AlreadyReversed(reversal)
    raise Contended("a transaction key was taken and released meanwhile")


def _reversal_of(original_id: int):
    return db.session.execute(
        select(*_KEY_COLUMNS).where(_transactions.c.reversal_of_id == original_id)
    ).first()


def _repeat(existing, request: Request) -> Movement:
    if existing.status == VOIDED:
        raise TransactionVoided(existing)
    if existing.fingerprint != request.fingerprint():
        raise DuplicateMismatch(existing)
    return Movement(
        existing.id,
        existing.amount,
        existing.currency,
        existing.balance_after,
        True,
        request.player.id,
        getattr(existing, "balance_now", None),
        existing.playable_after,
    )


def find(source: str, external_id: str):
    """The transaction of a key (id, kind, status, player, currency, amount, fingerprint,
    balance_after), or None."""
    statement = prepared("wallet.find", _find_statement)
    return statement.first({"source": source, "external_id": external_id})


def _find_statement(_dialect: str):
    return select(*_KEY_COLUMNS).where(
        _transactions.c.source == bindparam("source"),
        _transactions.c.external_id == bindparam("external_id"),
    )


def real_balance(request: Request) -> int:
    return _real_balance(request.player.id, request.currency)


def playable(owner, currency):
    """What a player can play with, as a query: the real balance, and the bonus balance when
    the real account is flagged (`bonus_active`: stakes may take bonus money). `owner` and
    `currency` are expressions (bind parameters, or a column of an outer query)."""
    real, bonus = _accounts.alias("real_money"), _accounts.alias("bonus_money")
    bonus_money = (
        select(bonus.c.balance)
        .where(
            bonus.c.owner == real.c.owner,
            bonus.c.currency == real.c.currency,
            bonus.c.kind == BONUS,
        )
        .scalar_subquery()
    )
    flagged = case((real.c.bonus_active, func.coalesce(bonus_money, 0)), else_=0)
    return select(real.c.balance + flagged).where(
        real.c.owner == owner, real.c.currency == currency, real.c.kind == REAL
    )


def playable_balance_minor(player_id: int, currency: str) -> int:
    """What the player can play with in `currency` now (see `playable`), minor units."""
    parameters = {"owner": owner_of(player_id), "currency": currency}
    return prepared("wallet.playable_balance", _playable_statement).scalar(parameters) or 0


def _playable_statement(_dialect: str):
    return playable(bindparam("owner"), bindparam("currency"))


def _real_balance(player_id: int, currency: str) -> int:
    parameters = {"owner": owner_of(player_id), "currency": currency}
    return prepared("wallet.real_balance", _real_balance_statement).scalar(parameters) or 0


def _real_balance_statement(_dialect: str):
    return select(_accounts.c.balance).where(
        _accounts.c.owner == bindparam("owner"),
        _accounts.c.currency == bindparam("currency"),
        _accounts.c.kind == REAL,
    )


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


def lock_account(player, currency: str, kind: str = REAL) -> None:
    """Lock the player's account for the rest of the transaction (creating it when new),
    so that a door's own checks and the movement that follows see no concurrent movement
    in between."""
    query = (
        select(_accounts.c.id)
        .where(
            _accounts.c.owner == owner_of(player.id),
            _accounts.c.currency == currency,
            _accounts.c.kind == kind,
        )
        .with_for_update()
    )
    if db.session.scalar(query) is None:
        _create_account(player.id, currency, kind)
        db.session.scalar(query)
