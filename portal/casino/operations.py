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

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import money
from portal.accounts.models import Player
from portal.accounts.sessions import token_hash
from portal.casino import accepts
from portal.casino.betcore import BetcoreError
from portal.casino.models import CasinoBet, CasinoPayment, CasinoToken, GameSession
from portal.extensions import db
from portal.timeutil import utcnow
from portal.wallet import errors as wallet_errors
from portal.wallet import operations as wallet
from portal.wallet import queries as wallet_queries

SOURCE = "betcore"
STAKE, PAYOUT, REFUND, PAYOUT_RETURN, JACKPOT = -1, 1, 2, -2, 4
TYPES = {STAKE, PAYOUT, REFUND, PAYOUT_RETURN, JACKPOT}


# --- WebFrame tokens ----------------------------------------------------------------------


def issue_token(player: Player, currency: str, tag_id: int | None = None) -> str:
    """A refresh token for the WebFrame (256 bits, CASINO_TOKEN_MINUTES, single use)."""
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

    The player's row is locked first, so the player's makes take turns (a batch locks all
    its players at once, in id order). The bet id is claimed for the player before any
    money moves: of two players racing for one new BetId, the second waits for the first
    and is refused (102823)."""
    bet_id = _bet_id(data.get("BetId"))
    kind = data.get("TransactionType")
    if type(kind) is not int or kind not in TYPES:
        raise BetcoreError(100400)
    tag = _tag(data.get("TagId"))
    # A blocked player places no bets, but what is owed to them is still paid.
    player = find_player(data.get("PartnerUserId"), allow_blocked=kind != STAKE)
    wallet.lock_players([player.id])
    bet = _bet(bet_id)
    if bet is not None and bet.player_id != player.id:
        raise BetcoreError(102823)
    currency = bet.currency if bet else _playing_currency(player, tag)
    amount = _minor(player, currency, data.get("Amount"), allow_zero=kind != STAKE)
    tax = _minor(player, currency, data.get("TaxAmount") or "0", allow_zero=True)
    bet = bet or _claim_bet(player, currency, bet_id)
    if bet.player_id != player.id or bet.currency != currency:
        raise BetcoreError(102823)
    _check_sequence(bet_id, kind, amount)
    try:
        movement = _move(player, currency, bet_id, kind, amount)
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
    if not movement.replayed:
        _record(bet, kind, amount, tax, movement.transaction)
        moved = abs(movement.transaction.amount)  # what really moved (0 for an early return)
        accepts.enqueue_payment(
            accept_body(bet_id, kind, moved, tax, currency, movement.transaction.id, 200)
        )
    return Payment(movement.transaction.id, movement.balance, currency, movement.replayed)


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


def _check_sequence(bet_id: int, kind: int, amount: int) -> None:
    """The order of a bet's payments: a return gives back exactly the stake and never
    after an unreturned payout; a payout never follows a return; a payout return takes
    back exactly the payout."""
    stake = wallet_queries.transaction(SOURCE, f"{bet_id}:{STAKE}")
    payout = wallet_queries.transaction(SOURCE, f"{bet_id}:{PAYOUT}")
    if kind == REFUND:
        if _applied(stake) and amount != -stake.amount:
            raise BetcoreError(103801)
        taken_back = wallet_queries.transaction(SOURCE, f"{bet_id}:{PAYOUT_RETURN}")
        if payout is not None and payout.amount and taken_back is None:
            raise BetcoreError(102826)
    elif kind in (PAYOUT, JACKPOT):
        returned = wallet_queries.transaction(SOURCE, f"{bet_id}:{REFUND}")
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
    currency = _playing_currency(player)
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
                "PartnerTransactionId": movement.transaction.id,
                "Amount": money.format_amount(amount, currency),
                "Currency": currency,
                "ErrorCode": 200,
            }
        )
    return Payment(movement.transaction.id, movement.balance, currency, movement.replayed)


def _move(player, currency, bet_id: int, kind: int, amount: int):
    key = f"{bet_id}:{kind}"
    text = money.format_amount(amount, currency)
    common = {"source": SOURCE, "external_id": key, "reference": str(bet_id)}
    if kind == STAKE:
        return wallet.debit(player, currency, text, **common)
    if kind in (PAYOUT, JACKPOT):
        return wallet.credit(
            player, currency, text, kind="win" if kind == PAYOUT else "jackpot", **common
        )
    original = f"{bet_id}:{STAKE}" if kind == REFUND else f"{bet_id}:{PAYOUT}"
    cancel = wallet.refund_stake if kind == REFUND else wallet.reverse_credit
    return cancel(player, currency, original_external_id=original, **common)


def _record(bet: CasinoBet, kind, amount, tax, transaction) -> None:
    db.session.add(
        CasinoPayment(
            bet_id=bet.bet_id,
            transaction_type=kind,
            amount=amount,
            tax_amount=tax,
            wallet_transaction_id=transaction.id,
        )
    )
    session = db.session.get(GameSession, bet.game_session_id) if bet.game_session_id else None
    if session is not None:
        now = utcnow()
        session.first_action_at = session.first_action_at or now
        session.last_action_at = now
        if kind == STAKE:
            session.bet_count += 1
            session.bet_amount += amount
        elif kind in (PAYOUT, JACKPOT) and amount:
            session.win_count += 1
            session.win_amount += amount
    db.session.flush()


def _bet(bet_id: int) -> CasinoBet | None:
    return db.session.scalar(
        select(CasinoBet)
        .where(CasinoBet.bet_id == bet_id)
        .execution_options(populate_existing=True)
    )


def _claim_bet(player, currency, bet_id: int) -> CasinoBet:
    """The new bet, inserted for this player; if another transaction inserted it first
    (on PostgreSQL the insert waits for it to end), the bet as that one left it."""
    session = db.session.scalar(
        select(GameSession)
        .where(GameSession.player_id == player.id, GameSession.currency == currency)
        .order_by(GameSession.created_at.desc())
        .limit(1)
    )
    bet = CasinoBet(
        bet_id=bet_id,
        player_id=player.id,
        currency=currency,
        game_session_id=session.id if session else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(bet)
    except IntegrityError:
        bet = _bet(bet_id)
    return bet


def _playing_currency(player: Player, tag_id=None) -> str:
    """The currency of the player's latest casino session in this frame (TagId; the token's
    currency), else of their latest session, else their active currency."""
    query = (
        select(GameSession.currency)
        .where(GameSession.player_id == player.id)
        .order_by(GameSession.created_at.desc())
        .limit(1)
    )
    in_frame = db.session.scalar(query.where(GameSession.tag_id == tag_id)) if tag_id else None
    return in_frame or db.session.scalar(query) or player.active_currency


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
    currency = currency or _playing_currency(player)
    return format(wallet_queries.balance(player, currency).real, "f")


# --- field parsing -------------------------------------------------------------------------


MAX_ID = 2**63 - 1  # ids are stored in 64-bit columns


def find_player(value, *, allow_blocked: bool = False) -> Player:
    player_id = _player_id(value)
    player = db.session.get(Player, player_id) if player_id is not None else None
    if player is None:
        raise BetcoreError(102145)
    if player.is_blocked and not allow_blocked:
        raise BetcoreError(102146)
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
