"""Sportsbook operations: Betsy tokens, bets, settlements, rollbacks, on the wallet.

Wallet keys (source "betsy"): "<tx>:bet" for the stake, "<tx>:settle:<n>" for the n-th
movement of settle/unsettle (each moves only the difference to the new payout), and
"<tx>:rollback" for the refund of the stake (before the bet: the late bet is refused).
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import bindparam, select, update

from portal import money
from portal.accounts import facts
from portal.accounts.models import Brand, Player
from portal.accounts.sessions import token_hash
from portal.bets import settlement
from portal.extensions import db
from portal.limits import checks, rules
from portal.limits.errors import LimitReached, PlayRefused
from portal.sportsbook import selections
from portal.sportsbook.betsy import BetsyError
from portal.sportsbook.models import (
    BetsyToken,
    SportsBet,
)
from portal.sql import insert_new, prepared
from portal.timeutil import utcnow
from portal.wallet import errors as wallet_errors
from portal.wallet import operations as wallet
from portal.wallet import queries as wallet_queries
from portal.wallet.models import Transaction

SOURCE = "betsy"
RESULTS = {"won": "won", "lost": "lost", "refund": "refund", "cashout": "cashout"}


# --- tokens and players ---------------------------------------------------------------------


def issue_token(player: Player, currency: str) -> str:
    """The iframe token of (player, currency): a new one each time (a currency switch gets
    its own), living BETSY_TOKEN_MINUTES; the userId stays the player's id. Only for a
    player who may play now (else PlayRefused)."""
    checks.require_may_play(player)
    token, now = secrets.token_urlsafe(32), utcnow()
    lifetime = timedelta(minutes=current_app.config["BETSY_TOKEN_MINUTES"])
    db.session.add(
        BetsyToken(
            token_hash=token_hash(token),
            player_id=player.id,
            currency=currency,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.session.flush()
    return token


def player_of_token(token, *, user_id=None, currency=None) -> tuple[Player, str]:
    """(player, currency) of a live token; 3 if unknown or not this user's or currency's,
    4 if expired."""
    if not isinstance(token, str) or not 10 <= len(token) <= 64:
        raise BetsyError(3)
    found = db.session.scalar(select(BetsyToken).where(BetsyToken.token_hash == token_hash(token)))
    if found is None:
        raise BetsyError(3)
    if user_id is not None and str(found.player_id) != str(user_id):
        raise BetsyError(3)
    if currency is not None and found.currency != currency:
        raise BetsyError(3)
    if found.expires_at <= utcnow():
        raise BetsyError(4)
    return _player(found.player_id), found.currency


def _player(player_id) -> Player:
    text = str(player_id) if isinstance(player_id, int | str) else ""
    canonical = text.isascii() and text.isdigit() and len(text) < 10 and text == str(int(text))
    player = db.session.get(Player, int(text)) if canonical else None  # ("01" is not "1")
    if player is None:
        raise BetsyError(5)
    return player


# Betsy's codes for a player who may not bet (portal.limits.rules) and for a limit reached
REFUSAL_CODES = {
    "blocked": 9,
    "closed": 9,
    "timed_out": 14,
    "self_excluded": 14,
    "not_verified": 15,
    "under_age": 16,
}
LIMIT_CODES = {"stake": 11, "loss": 12, "bets": 13}


def profile(data: dict) -> dict:
    player, currency = player_of_token(data.get("token"))
    return {
        "userId": str(player.id),
        "currency": currency,
        "currencies": player.brand.currency_list,
        "isTest": player.is_test,
        "customFields": _custom_fields(player),
    }


def _custom_fields(player: Player) -> dict:
    from portal.accounts.models import PlayerSession

    session = db.session.scalar(
        select(PlayerSession)
        .where(PlayerSession.player_id == player.id)
        .order_by(PlayerSession.id.desc())
        .limit(1)
    )
    return {
        "firstName": player.first_name or "",
        "lastName": player.last_name or "",
        "nickname": player.login_name or "",
        "email": player.email,
        "birthday": player.birthdate.isoformat() if player.birthdate else "",
        "gender": {"F": "female", "M": "male"}.get(player.gender or "", "no data"),
        "phone": player.phone or "",
        "isCashOutAllowed": True,
        "isVerified": player.email_verified_at is not None,
        "userCountry": player.country or "",
        "userSessionIp": (session.ip if session else None) or "",
        "userSessionCountry": player.country or "",
        "registrationDate": player.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        **({"operatorUser": operator_user(player)} if player.brand.via_aggregator else {}),
    }


def operator_user(player: Player) -> str:
    """Our own reference of the player, for brands reached through an aggregator: URL-safe
    (^[A-Za-z0-9._~-]+$) and at most 64 characters, as seed 001 requires."""
    return f"{player.brand_id}-{player.id}"


def _user_id(data: dict) -> str:
    value = data.get("userId")
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value):
        raise BetsyError(5)
    return str(value)


def balance(data: dict) -> dict:
    currency = _text(data, "currency", 5)
    player, _ = player_of_token(data.get("token"), user_id=_user_id(data), currency=currency)
    return _answer(player, currency, None)


def _answer(player, currency: str, transaction_id: str | None) -> dict:
    playable = wallet_queries.playable_balance(player.id, currency)  # real and bonus money
    answer = {"userId": str(player.id), "currency": currency, "amount": playable}
    return {"transactionId": transaction_id, **answer} if transaction_id else answer


# --- bets -----------------------------------------------------------------------------------


def place_bet(data: dict, *, ip: str | None = None) -> dict:
    """Type 0: take the stake and record the bet with its selections. The bet row is
    claimed first (its transactionId is unique), so a new bet's stake key cannot exist
    and the wallet does not look it up; a repeat finds the bet and answers as the first
    time."""
    currency = _text(data, "currency", 5)
    user_id, tx = _user_id(data), _text(data, "transactionId", 64)
    holder, existing = _bettor(data.get("token"), user_id, currency, f"{tx}:bet")
    amount = _amount(holder, currency, data.get("amount"))
    columns = SportsBet.__table__.c
    selections.odds(data.get("coefficient"))  # the bet's total odds, kept as sent
    bet_odds = selections.identifier(data, "coefficient", columns.coefficient.type.length)
    ticket_type = selections.text(data, "ticketType", columns.ticket_type.type.length)
    lines = selections.parse(data.get("metadata"))
    bet_id = (
        None
        if existing is not None
        else _new_bet(tx, holder, currency, amount, bet_odds, ticket_type, ip)
    )
    if existing is None and bet_id is None:
        existing = wallet.UNKNOWN  # the bet is there after all (a twin): let the wallet look
    movement = _wallet(
        wallet.debit,
        holder,
        currency,
        money.format_amount(amount, currency),
        source=SOURCE,
        external_id=f"{tx}:bet",
        reference=tx,
        existing=existing,
    )
    if bet_id is not None:
        selections.add(bet_id, lines)
    return _placed(tx, holder, currency, movement)


def _new_bet(tx, holder, currency, amount, bet_odds, ticket_type, ip) -> int | None:
    """Claim the bet's row (its transactionId is unique): its id, or None when it exists."""
    now = utcnow()
    parameters = {
        "transaction_id": tx,
        "player_id": holder.id,
        "currency": currency,
        "stake": amount,
        "payout": 0,
        "settlements": 0,
        "coefficient": bet_odds,
        "ticket_type": ticket_type,
        "status": "placed",
        "ip": ip,
        "created_at": now,
    }
    return prepared("betsy.new_bet", _new_bet_statement).scalar(parameters)


def _new_bet_statement(dialect: str):
    table = SportsBet.__table__
    names = (
        "transaction_id",
        "player_id",
        "currency",
        "stake",
        "payout",
        "settlements",
        "coefficient",
        "ticket_type",
        "status",
        "ip",
        "created_at",
    )
    values = {name: bindparam(name, type_=table.c[name].type) for name in names}
    return insert_new(table, dialect).values(values).returning(table.c.id)


def _placed(tx: str, holder, currency: str, movement: wallet.Movement) -> dict:
    # A repeat answers as the first time: the balance right after the stake, not today's.
    after = money.from_minor(movement.playable_after, currency)
    return {"transactionId": tx, "userId": str(holder.id), "currency": currency, "amount": after}


def _bettor(token, user_id: str, currency: str, key: str) -> tuple[wallet.Holder, object]:
    """The player of a live token of this user and currency who may bet, and the wallet
    transaction of the stake's key if it exists (a repeat), in one statement: 3 unknown
    token (or not this user's or currency's), 4 expired, 5 no such player, REFUSAL_CODES
    for a player who may not bet now (blocked, excluded, under age, not verified)."""
    if not isinstance(token, str) or not 10 <= len(token) <= 64:
        raise BetsyError(3)
    parameters = {"token_hash": token_hash(token), "key": key}
    row = prepared("betsy.bettor", _bettor_statement).first(parameters)
    if row is None or str(row.player_id) != user_id or row.currency != currency:
        raise BetsyError(3)
    if row.expires_at <= utcnow():
        raise BetsyError(4)
    if row.status is None:
        raise BetsyError(5)
    refusal = rules.refusal_of_row(row, utcnow())
    if refusal is not None and row.t_id is None:  # (a repeat of an accepted bet is answered)
        raise BetsyError(REFUSAL_CODES[refusal.reason])
    holder = wallet.Holder(row.player_id, facts.brand_currencies(row.brand_id))
    existing = None
    if row.t_id is not None:
        existing = wallet.KeyRow(*[getattr(row, f"t_{name}") for name in wallet.KEY_COLUMN_NAMES])
    return holder, existing


def _bettor_statement(_dialect: str):
    stake = Transaction.__table__.alias("t")
    return (
        select(
            BetsyToken.player_id,
            BetsyToken.currency,
            BetsyToken.expires_at,
            Player.status,
            Player.brand_id,
            Player.excluded_until,
            Player.birthdate,
            Player.email_verified_at,
            Brand.require_verified_email,
            *[column.label(f"t_{column.name}") for column in wallet.key_columns(stake)],
        )
        .outerjoin(Player, Player.id == BetsyToken.player_id)
        .outerjoin(Brand, Brand.id == Player.brand_id)
        .outerjoin(stake, (stake.c.source == SOURCE) & (stake.c.external_id == bindparam("key")))
        .where(BetsyToken.token_hash == bindparam("token_hash"))
    )


def settle(data: dict) -> dict:
    """Type 2: make the bet's payout `amount` (moving only the difference)."""
    bet = _locked_bet(data)
    if bet.status == "rolled_back":
        raise BetsyError(20)
    result = RESULTS.get(data.get("resultType") or ("won" if data.get("amount") else "lost"))
    if result is None:
        raise BetsyError(5)
    if result == "cashout":  # the player asked for it: their token must say so
        player_of_token(data.get("token"), user_id=str(bet.player_id), currency=bet.currency)
    payout = _amount(bet.holder, bet.currency, data.get("amount"), allow_zero=True)
    return _answer_after(bet, _pay(bet, payout, result))


def unsettle(data: dict) -> dict:
    """Type 1: take the payout back; the bet is open again."""
    bet = _locked_bet(data)
    if bet.status == "rolled_back":
        raise BetsyError(20)
    return _answer_after(bet, _pay(bet, 0, "unsettled"))


@dataclass(frozen=True)
class _Bet:
    """A bet as read under its row lock (settles, unsettles and rollbacks of one bet take
    turns on it; the bet row is locked before the account, as a new bet's is)."""

    id: int
    transaction_id: str
    player_id: int
    currency: str
    payout: int
    settlements: int
    status: str
    holder: wallet.Holder


def _locked_bet(data: dict) -> _Bet:
    currency = _text(data, "currency", 5)
    user_id = _user_id(data)
    tx = _text(data, "transactionId", 64)
    bet = _lock_bet(tx)
    if bet is None or str(bet.player_id) != user_id or bet.currency != currency:
        raise BetsyError(5)
    return bet


def _lock_bet(tx: str) -> _Bet | None:
    row = prepared("betsy.lock_bet", _lock_bet_statement).first({"tx": tx})
    if row is None:
        return None
    holder = wallet.Holder(row.player_id, facts.brand_currencies(row.brand_id))
    return _Bet(*row[:7], holder)


def _lock_bet_statement(_dialect: str):
    c = SportsBet.__table__.c
    return (
        select(
            c.id,
            c.transaction_id,
            c.player_id,
            c.currency,
            c.payout,
            c.settlements,
            c.status,
            Player.brand_id,
        )
        .join(Player, Player.id == c.player_id)
        .where(c.transaction_id == bindparam("tx"))
        .with_for_update(of=SportsBet.__table__)
    )


def _pay(bet: _Bet, payout: int, status: str) -> wallet.Movement | None:
    """Settle the bet to `payout` (the core's rule: only the difference moves, under a new
    key per movement; the bet row's lock makes `settlements` a fresh number) and write the
    bet's new state."""
    try:
        settled = _wallet(
            settlement.settle_to,
            bet.holder,
            bet.currency,
            source=SOURCE,
            reference=bet.transaction_id,
            paid=bet.payout,
            settlements=bet.settlements,
            payout=payout,
        )
    except settlement.PayoutNotReturnable:
        raise BetsyError(21) from None
    if settled.movement is None and status == bet.status:
        return None  # a repeat: nothing to write
    parameters = {
        "bet": bet.id,
        "payout": settled.payout,
        "settlements": settled.settlements,
        "status": status,
    }
    prepared("betsy.bet_paid", _bet_paid_statement).execute(parameters)
    return settled.movement


def _bet_paid_statement(_dialect: str):
    table = SportsBet.__table__
    names = ("payout", "settlements", "status")  # and modified_at: the column's onupdate
    values = {name: bindparam(name, type_=table.c[name].type) for name in names}
    return update(table).where(table.c.id == bindparam("bet")).values(values)


def _answer_after(bet: _Bet, movement: wallet.Movement | None) -> dict:
    if movement is None:
        return _answer(bet.holder, bet.currency, bet.transaction_id)
    return {
        "transactionId": bet.transaction_id,
        "userId": str(bet.player_id),
        "currency": bet.currency,
        "amount": movement.balance,
    }


def rollback(data: dict) -> dict:
    """Type 3: refund the stake once, and take back a payout already made. Only the net
    effect must fit the balance, so the stake comes back before the payout goes. Before
    the bet: recorded, so that the late bet is refused."""
    currency = _text(data, "currency", 5)
    user_id = _user_id(data)
    tx = _text(data, "transactionId", 64)
    bet = _lock_bet(tx)
    if bet is None:
        currencies = facts.player_currencies(_player_id(user_id))
        if currencies is None:
            raise BetsyError(5)
        holder = wallet.Holder(_player_id(user_id), currencies)
    elif str(bet.player_id) != user_id or bet.currency != currency:
        raise BetsyError(5)
    else:
        holder = bet.holder
    _wallet(
        wallet.refund_stake,
        holder,
        currency,
        source=SOURCE,
        external_id=f"{tx}:rollback",
        original_external_id=f"{tx}:bet",
        reference=tx,
    )
    if bet is not None:
        _pay(bet, 0, "rolled_back")
    return _answer(holder, currency, tx)


def _player_id(user_id: str) -> int:
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 10):
        raise BetsyError(5)
    return int(user_id)


def check(data: dict) -> dict:
    tx = _text(data, "transactionId", 64)
    bet = db.session.scalar(select(SportsBet).where(SportsBet.transaction_id == tx))
    if bet is None or str(bet.player_id) != str(data.get("userId")):
        raise BetsyError(5)
    return {
        "transactionId": tx,
        "userId": str(bet.player_id),
        "currency": bet.currency,
        "amount": money.from_minor(bet.stake, bet.currency),
        "payout": money.from_minor(bet.payout, bet.currency),
        "status": bet.status,
        "createdAt": bet.created_at.strftime("%Y-%m-%d %H:%M:%S"),
    }


# --- plumbing -------------------------------------------------------------------------------


def _wallet(operation, player, currency, *args, shortfall=7, **kwargs):
    try:
        return operation(player, currency, *args, **kwargs)
    except wallet_errors.InsufficientFunds:
        raise BetsyError(shortfall) from None
    except LimitReached as exc:
        raise BetsyError(LIMIT_CODES[exc.kind]) from None
    except PlayRefused as exc:
        raise BetsyError(REFUSAL_CODES.get(exc.reason, 9)) from None
    except (
        wallet_errors.DuplicateMismatch,
        wallet_errors.TransactionVoided,
        wallet_errors.AlreadyReversed,
    ):
        raise BetsyError(8) from None
    except (wallet_errors.InvalidAmount, wallet_errors.CurrencyNotAllowed):
        raise BetsyError(5) from None


def _text(data: dict, name: str, limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise BetsyError(5)
    return value


def _amount(player, currency, value, *, allow_zero=False) -> int:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        value = format(Decimal(value), "f")
    if not isinstance(value, str):
        raise BetsyError(5)
    try:
        return wallet.minor_units(player, currency, value, allow_zero=allow_zero)
    except (wallet_errors.InvalidAmount, wallet_errors.CurrencyNotAllowed):
        raise BetsyError(5) from None
