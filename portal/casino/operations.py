"""Casino operations: WebFrame tokens, BETCORE payments on the wallet, bets and sessions.

Payments are keyed (source "betcore", "<BetId>:<TransactionType>"), so a repeat returns the
same PartnerTransactionId (the wallet transaction's id) and moves nothing.
  -1 stake (debit)   1 payout (credit; "0" = the bet lost)   4 jackpot (credit)
   2 bet return (refund of the stake, at most once; before the stake: the stake is refused)
  -2 payout return (the payout taken back, at most once)
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import partial

from flask import current_app
from sqlalchemy import BigInteger, DateTime, bindparam, func, insert, literal, select

from portal import money
from portal.accounts import facts
from portal.accounts.models import Brand, Player
from portal.accounts.sessions import token_hash
from portal.casino import accepts
from portal.casino.betcore import LIMIT_CODES, REFUSAL_CODES, BetcoreError
from portal.casino.models import CasinoBet, CasinoPayment, CasinoToken, GameSession
from portal.database import Contended
from portal.extensions import db
from portal.limits import checks, rules
from portal.limits.errors import LimitReached, PlayRefused
from portal.sql import insert_new, listed, listed_values, prepared
from portal.timeutil import utcnow
from portal.wallet import errors as wallet_errors
from portal.wallet import operations as wallet
from portal.wallet import queries as wallet_queries
from portal.wallet.models import Account, Transaction

SOURCE = "betcore"
STAKE, PAYOUT, REFUND, PAYOUT_RETURN, JACKPOT = -1, 1, 2, -2, 4
TYPES = {STAKE, PAYOUT, REFUND, PAYOUT_RETURN, JACKPOT}


# --- WebFrame tokens ----------------------------------------------------------------------


def issue_token(player: Player, currency: str, tag_id: int | None = None) -> str:
    """A refresh token for the WebFrame (256 bits, CASINO_TOKEN_MINUTES, single use), for a
    player who may play now (else PlayRefused)."""
    checks.require_may_play(player)
    token, now = secrets.token_urlsafe(32), utcnow()
    lifetime = timedelta(minutes=current_app.config["CASINO_TOKEN_MINUTES"])
    db.session.add(
        CasinoToken(
            token_hash=token_hash(token),
            player_id=player.id,
            currency=currency,
            tag_id=tag_id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.session.flush()
    return token


@dataclass(frozen=True)
class Authenticated:
    player: Player
    currency: str
    token: str  # the rotated refresh token
    session: GameSession


def authenticate(refresh_token, tag_id) -> Authenticated:
    """/users/auth: spend the refresh token, issue the next one, open a game session."""
    if not isinstance(refresh_token, str) or not 0 < len(refresh_token) <= 128:
        raise BetcoreError(102147)
    tag = _tag(tag_id)
    found = db.session.scalar(
        select(CasinoToken)
        .where(CasinoToken.token_hash == token_hash(refresh_token))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        raise BetcoreError(102147)
    player = find_player(found.player_id)
    found.used_at = utcnow()
    tag = found.tag_id if tag is None else tag
    session = GameSession(
        id=str(uuid.uuid4()), player_id=player.id, currency=found.currency, tag_id=tag
    )
    db.session.add(session)
    token = issue_token(player, found.currency, tag)
    return Authenticated(player, found.currency, token, session)


# --- payments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    transaction_id: int
    balance: Decimal
    currency: str
    replayed: bool


def make_payment(data: dict) -> Payment:
    """/payments/make: one stake, payout, return or jackpot of a bet.

    A stake on a new bet (the common case) claims the bet for its player with one
    INSERT that also checks the player and picks the currency and game session; its key
    cannot exist yet, so the wallet moves the money without looking it up. Everything
    else reads the player, the bet, its payments and the balance in one statement and
    pays on what it read (see _pay_on). Of two players racing for one new BetId, the
    second finds the bet taken (102823)."""
    bet_id = _bet_id(data.get("BetId"))
    kind = data.get("TransactionType")
    if type(kind) is not int or kind not in TYPES:
        raise BetcoreError(100400)
    tag = _tag(data.get("TagId"))
    player_id = _player_id(data.get("PartnerUserId"))
    if player_id is None:
        raise BetcoreError(102145)
    if kind == STAKE:
        claimed = _claim_new_bet(player_id, bet_id, tag)
        if claimed is not None:
            holder = wallet.Holder(player_id, facts.player_currencies(player_id))
            return _pay(holder, claimed, kind, data, existing=None)
    return _pay_on(_bet_state(player_id, bet_id), kind, tag, data)


def _pay_on(state: "_BetState", kind: int, tag, data: dict) -> Payment:
    """Pay on the bet as `state` read it, without a lock: a repeat is answered from what
    was read; otherwise the movement is applied only if none of the bet's payments that
    were absent has been written since (else the request runs again and sees it: see
    wallet.Request.unless_keys), so the order checks always judge the latest state."""
    holder = state.holder(kind)
    bet = state.bet or _claim_bet(holder, state.bet_id, _playing_currency(holder.id, tag))
    if bet.player_id != holder.id:
        raise BetcoreError(102823)
    absent = [f"{bet.bet_id}:{k}" for k in TYPES if k not in state.transactions]
    existing = state.key_transaction(kind)
    return _pay(holder, bet, kind, data, existing=existing, state=state, unless=absent)


def _pay(holder, bet, kind: int, data: dict, *, existing, state=None, unless=()) -> Payment:
    """Parse the amounts in the bet's currency, check the bet's order, move the money and
    record the payment with its accept (unless it is a repeat)."""
    currency = bet.currency
    amount = _minor(holder, currency, data.get("Amount"), allow_zero=kind != STAKE)
    tax = _minor(holder, currency, data.get("TaxAmount") or "0", allow_zero=True)
    if state is not None:  # (a stake on a bet just claimed has nothing to check)
        _check_sequence(state, kind, amount)
    movement = _move(holder, currency, bet.bet_id, kind, amount, existing, unless)
    if not movement.replayed:
        _record(bet.bet_id, kind, amount, tax, movement.transaction_id)
        moved = abs(movement.minor)  # what really moved (0 for an early return)
        accepts.enqueue_payment(
            accept_body(bet.bet_id, kind, moved, tax, currency, movement.transaction_id, 200)
        )
    return Payment(movement.transaction_id, movement.balance, currency, movement.replayed)


def lock_batch(items: list) -> None:
    """Lock every player a /payments/make-list batch names, in id order, before its first
    item: two batches naming the same players in another order then take turns instead
    of deadlocking."""
    ids = set()
    for item in items:
        user = item.get("PartnerUserId") if isinstance(item, dict) else None
        if (player_id := _player_id(user)) is not None:
            ids.add(player_id)
    wallet.lock_players(sorted(ids))


# --- the bet, its payments and the player, read at once ------------------------------------

_players, _bets, _brands = Player.__table__, CasinoBet.__table__, Brand.__table__
_sessions, _payments = GameSession.__table__, CasinoPayment.__table__
_transactions, _accounts = Transaction.__table__, Account.__table__


@dataclass(frozen=True)
class _Bet:
    bet_id: int
    player_id: int
    currency: str


def _claim_new_bet(player_id: int, bet_id: int, tag: int | None) -> _Bet | None:
    """Insert the bet for an active player who plainly may play (checks.plays_freely), in
    the currency of the player's latest game session in this frame (else their latest,
    else their active currency), attached to their latest session in that currency. None:
    no such player, one the rules must look at, or the bet exists (all go the long way)."""
    statement = prepared(f"casino.claim_new_bet.{bool(tag)}", partial(_claim_statement, bool(tag)))
    now = utcnow()
    parameters = {"bet_id": bet_id, "player_id": player_id, "tag": tag, "now": now}
    parameters.update(checks.plays_freely_parameters(now))
    row = statement.first(parameters)
    return _Bet(bet_id, player_id, row.currency) if row else None


def _claim_statement(in_frame: bool, dialect: str):
    player = _players.alias("p")

    def latest(column, *conditions):
        return (
            select(column)
            .where(_sessions.c.player_id == player.c.id, *conditions)
            .order_by(_sessions.c.created_at.desc())
            .limit(1)
            .scalar_subquery()
        )

    tag = [latest(_sessions.c.currency, _sessions.c.tag_id == bindparam("tag"))]
    currency = func.coalesce(
        *(tag if in_frame else []), latest(_sessions.c.currency), player.c.active_currency
    )
    chosen = (
        select(player.c.id.label("player_id"), currency.label("currency"))
        .where(player.c.id == bindparam("player_id"), checks.plays_freely(player))
        .subquery()
    )
    session = (
        select(_sessions.c.id)
        .where(_sessions.c.player_id == chosen.c.player_id)
        .where(_sessions.c.currency == chosen.c.currency)
        .order_by(_sessions.c.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    now = bindparam("now", type_=DateTime)
    rows = select(
        bindparam("bet_id", type_=BigInteger),
        chosen.c.player_id,
        chosen.c.currency,
        session,
        literal(False),
        now,
        func.portal_now(),
    ).where(chosen.c.player_id.is_not(None))
    columns = ["bet_id", "player_id", "currency", "game_session_id", "closed", "created_at"]
    statement = insert_new(_bets, dialect).from_select([*columns, "modified_at"], rows)
    return statement.returning(_bets.c.currency)


@dataclass
class _BetState:
    """What one statement tells about a make: the player, the bet, its payments' wallet
    transactions by TransactionType (each carrying the player's balance now, for the
    answer to a repeat), as they were when the statement ran."""

    player_id: int
    bet_id: int
    status: str | None  # None: no such player
    brand_id: int | None
    bet: _Bet | None
    transactions: dict  # TransactionType -> wallet.KeyRow
    refusal: rules.Refusal | None = None  # why the player may not stake now

    def key_transaction(self, kind: int):
        return self.transactions.get(kind)

    def holder(self, kind: int) -> wallet.Holder:
        """The player, if they may make this payment: a player who may not play now
        (blocked, excluded, under age, not verified) places no stakes, but what is owed to
        them is still paid, and a repeat of an accepted stake is answered."""
        if self.status is None:
            raise BetcoreError(102145)
        if kind == STAKE and self.refusal is not None and STAKE not in self.transactions:
            raise BetcoreError(REFUSAL_CODES[self.refusal.reason])
        return wallet.Holder(self.player_id, facts.brand_currencies(self.brand_id))


def _bet_state(player_id: int, bet_id: int) -> _BetState:
    keys = {f"{bet_id}:{kind}": kind for kind in TYPES}
    statement = prepared("casino.bet_state", _bet_state_statement)
    parameters = {
        "player_id": player_id,
        "bet_id": bet_id,
        "owner": wallet.owner_of(player_id),
        **listed_values("key", list(keys)),
    }
    rows = statement.rows(parameters)
    if not rows:
        return _BetState(player_id, bet_id, None, None, None, {})
    first = rows[0]
    bet = None
    if first.bet_player_id is not None:
        bet = _Bet(bet_id, first.bet_player_id, first.bet_currency)
    found = {
        keys[row.t_external_id]: wallet.KeyRow(
            *[getattr(row, f"t_{name}") for name in wallet.KEY_COLUMN_NAMES],
            balance_now=row.balance_now or 0,
        )
        for row in rows
        if row.t_external_id is not None
    }
    refusal = rules.refusal_of_row(first, utcnow())
    return _BetState(player_id, bet_id, first.status, first.brand_id, bet, found, refusal)


def _bet_state_statement(_dialect: str):
    transactions = _transactions.alias("t")
    key_columns = wallet.key_columns(transactions)
    return (
        select(
            _players.c.status,
            _players.c.brand_id,
            _players.c.excluded_until,
            _players.c.birthdate,
            _players.c.email_verified_at,
            _brands.c.require_verified_email,
            _bets.c.player_id.label("bet_player_id"),
            _bets.c.currency.label("bet_currency"),
            _playable_now().label("balance_now"),
            *[column.label(f"t_{column.name}") for column in key_columns],
        )
        .select_from(_players)
        .join(_brands, _brands.c.id == _players.c.brand_id)
        .outerjoin(_bets, _bets.c.bet_id == bindparam("bet_id", type_=BigInteger))
        .outerjoin(
            transactions,
            (transactions.c.source == SOURCE)
            & transactions.c.external_id.in_(listed("key", len(TYPES))),
        )
        .where(_players.c.id == bindparam("player_id"))
    )


def _playable_now():
    """What the player can play with in the bet's currency (a repeat's answer)."""
    return wallet.playable(bindparam("owner"), _bets.c.currency).scalar_subquery()


def _check_sequence(state: _BetState, kind: int, amount: int) -> None:
    """The order of a bet's payments: a return gives back exactly the stake and never
    after an unreturned payout; a payout never follows a return; a payout return takes
    back exactly the payout."""
    stake = state.transactions.get(STAKE)
    payout = state.transactions.get(PAYOUT)
    if kind == REFUND:
        if _applied(stake) and amount != -stake.amount:
            raise BetcoreError(103801)
        taken_back = state.transactions.get(PAYOUT_RETURN)
        if payout is not None and payout.amount and taken_back is None:
            raise BetcoreError(102826)
    elif kind in (PAYOUT, JACKPOT):
        returned = state.transactions.get(REFUND)
        if returned is not None or (stake is not None and stake.status == wallet.VOIDED):
            raise BetcoreError(102825)
    elif kind == PAYOUT_RETURN and _applied(payout) and amount != payout.amount:
        raise BetcoreError(103801)  # (a return before the payout voided it: nothing to match)


def _applied(transaction) -> bool:
    return transaction is not None and transaction.status == wallet.APPLIED


def accept_body(bet_id, kind, amount, tax, currency, transaction_id, code) -> dict:
    return {
        "BetId": bet_id,
        "PartnerTransactionId": transaction_id,
        "TransactionType": kind,
        "Amount": money.format_amount(amount, currency),
        "TaxAmount": money.format_amount(tax, currency),
        "Currency": currency,
        "ErrorCode": code,
    }


def make_cashback(data: dict) -> Payment:
    """/cashback-payments/make: credit a cashback once per CashbackId, then confirm it."""
    player = find_player(data.get("PartnerUserId"), allow_blocked=True)
    cashback_id = _bet_id(data.get("CashbackId"))
    currency = _playing_currency(player.id)
    amount = _minor(player, currency, data.get("Amount"), allow_zero=False)
    try:
        movement = wallet.credit(
            player,
            currency,
            money.format_amount(amount, currency),
            source=SOURCE,
            external_id=f"cashback:{cashback_id}",
            reference=f"cashback {cashback_id}",
            kind="cashback",
        )
    except wallet_errors.DuplicateMismatch:
        raise BetcoreError(102823) from None
    if not movement.replayed:
        accepts.enqueue_cashback(
            {
                "CashbackId": cashback_id,
                "PartnerTransactionId": movement.transaction_id,
                "Amount": money.format_amount(amount, currency),
                "Currency": currency,
                "ErrorCode": 200,
            }
        )
    return Payment(movement.transaction_id, movement.balance, currency, movement.replayed)


def _move(holder, currency, bet_id: int, kind: int, amount: int, existing, unless=()):
    key = f"{bet_id}:{kind}"
    text = money.format_amount(amount, currency)
    common = {"source": SOURCE, "external_id": key, "reference": str(bet_id)}
    known = {"existing": existing, "unless_keys": unless}
    try:
        if kind == STAKE:
            return wallet.debit(holder, currency, text, **known, **common)
        if kind in (PAYOUT, JACKPOT):
            win = "win" if kind == PAYOUT else "jackpot"
            return wallet.credit(holder, currency, text, kind=win, **known, **common)
        original = f"{bet_id}:{STAKE}" if kind == REFUND else f"{bet_id}:{PAYOUT}"
        cancel = wallet.refund_stake if kind == REFUND else wallet.reverse_credit
        return cancel(holder, currency, original_external_id=original, unless_keys=unless, **common)
    except wallet_errors.InsufficientFunds as exc:
        raise BetcoreError(103802, {"Balance": format(exc.balance, "f")}) from None
    except wallet_errors.TransactionVoided:
        raise BetcoreError(102825) from None
    except (wallet_errors.DuplicateMismatch, wallet_errors.AlreadyReversed):
        raise BetcoreError(102823) from None
    except wallet_errors.CurrencyNotAllowed:
        raise BetcoreError(103803) from None
    except wallet_errors.InvalidAmount:
        raise BetcoreError(103801) from None
    except LimitReached as exc:
        raise BetcoreError(LIMIT_CODES[exc.kind], _limit_value(exc)) from None
    except PlayRefused as exc:
        raise BetcoreError(REFUSAL_CODES.get(exc.reason, 102146)) from None


def _limit_value(exc: LimitReached) -> dict:
    """What a refusal for a limit tells: which limit, and what is still allowed."""
    return {"Limit": exc.kind, "Period": exc.period, "Allowed": format(exc.allowed, "f")}


def _record(bet_id: int, kind: int, amount: int, tax: int, transaction_id: int) -> None:
    parameters = {
        "bet_id": bet_id,
        "transaction_type": kind,
        "amount": amount,
        "tax_amount": tax,
        "wallet_transaction_id": transaction_id,
    }
    prepared("casino.record", _record_statement).execute(parameters)


def _record_statement(_dialect: str):
    names = ("bet_id", "transaction_type", "amount", "tax_amount", "wallet_transaction_id")
    values = {name: bindparam(name, type_=_payments.c[name].type) for name in names}
    return insert(_payments).values({**values, "created_at": func.portal_now()})


def _bet(bet_id: int) -> CasinoBet | None:
    return db.session.scalar(
        select(CasinoBet)
        .where(CasinoBet.bet_id == bet_id)
        .execution_options(populate_existing=True)
    )


def _claim_bet(holder, bet_id: int, currency: str) -> _Bet:
    """A new bet of a payout, return or jackpot that came before any stake: inserted for
    this player. Should another request have inserted it since we looked (it waited for
    our player lock, or is another player's), the request runs again and sees it."""
    session = db.session.scalar(
        select(_sessions.c.id)
        .where(_sessions.c.player_id == holder.id, _sessions.c.currency == currency)
        .order_by(_sessions.c.created_at.desc())
        .limit(1)
    )
    now = utcnow()
    inserted = db.session.scalar(
        insert_new(_bets)
        .values(
            bet_id=bet_id,
            player_id=holder.id,
            currency=currency,
            game_session_id=session,
            closed=False,
            created_at=now,
            modified_at=func.portal_now(),
        )
        .returning(_bets.c.id)
    )
    if inserted is None:
        raise Contended(f"bet {bet_id} was inserted meanwhile")
    return _Bet(bet_id, holder.id, currency)


def _playing_currency(player_id: int, tag_id=None) -> str:
    """The currency of the player's latest casino session in this frame (TagId; the token's
    currency), else of their latest session, else their active currency."""
    query = (
        select(GameSession.currency)
        .where(GameSession.player_id == player_id)
        .order_by(GameSession.created_at.desc())
        .limit(1)
    )
    in_frame = db.session.scalar(query.where(GameSession.tag_id == tag_id)) if tag_id else None
    return (
        in_frame
        or db.session.scalar(query)
        or db.session.scalar(select(Player.active_currency).where(Player.id == player_id))
    )


def payment_info(data: dict) -> list[dict]:
    """/payments/info: every transaction of one bet, for reconciliation."""
    bet_id = _bet_id(data.get("BetId"))
    bet = _bet(bet_id)
    if bet is None:
        raise BetcoreError(102824)
    payments = db.session.scalars(
        select(CasinoPayment).where(CasinoPayment.bet_id == bet_id).order_by(CasinoPayment.id)
    )
    return [
        {
            "Time": p.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            "BetId": bet_id,
            "PartnerTransactionId": p.wallet_transaction_id,
            "TransactionType": p.transaction_type,
            "Amount": money.format_amount(p.amount, bet.currency),
            "TaxAmount": money.format_amount(p.tax_amount, bet.currency),
            "Currency": bet.currency,
        }
        for p in payments
    ]


def close_bet(data: dict) -> CasinoBet:
    """/payments/close: close (or reopen) a bet."""
    bet_id = _bet_id(data.get("BetId"))
    bet = _bet(bet_id)
    if bet is None:
        raise BetcoreError(102824)
    closed = data.get("IsClosed", data.get("Closed", True))
    if not isinstance(closed, bool):
        raise BetcoreError(100400)
    bet.closed = closed
    db.session.flush()
    return bet


def balance(player: Player, currency: str | None = None) -> str:
    currency = currency or _playing_currency(player.id)
    return format(wallet_queries.playable_balance(player.id, currency), "f")  # real and bonus


# --- field parsing -------------------------------------------------------------------------


MAX_ID = 2**63 - 1  # ids are stored in 64-bit columns


def find_player(value, *, allow_blocked: bool = False) -> Player:
    """The player of PartnerUserId; unless `allow_blocked`, one who may play now."""
    player_id = _player_id(value)
    player = db.session.get(Player, player_id) if player_id is not None else None
    if player is None:
        raise BetcoreError(102145)
    refusal = None if allow_blocked else rules.refusal_of(player, utcnow())
    if refusal is not None:
        raise BetcoreError(REFUSAL_CODES[refusal.reason])
    return player


def _player_id(value) -> int | None:
    """PartnerUserId: our player id, as a string (or a number); None when it cannot be one."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _bet_id(value) -> int:
    """BetId (or CashbackId): a positive 64-bit integer, as a number or a string."""
    number = _number(value)
    if number is None or number == 0:
        raise BetcoreError(100400)
    return number


def _tag(value) -> int | None:
    """TagId: absent, or a 64-bit integer (number or string) naming the WebFrame element."""
    if value is None:
        return None
    number = _number(value)
    if number is None:
        raise BetcoreError(100400)
    return number


def _number(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_ID:
        return None
    return int(text)


def _minor(player, currency, value, *, allow_zero: bool) -> int:
    if isinstance(value, Decimal):
        value = format(value, "f")
    if not isinstance(value, str):
        raise BetcoreError(103801)
    try:
        return wallet.minor_units(player, currency, value, allow_zero=allow_zero)
    except wallet_errors.CurrencyNotAllowed:
        raise BetcoreError(103803) from None
    except wallet_errors.InvalidAmount:
        raise BetcoreError(103801) from None
