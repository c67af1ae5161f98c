"""Sportsbook operations: Betsy tokens, bets, settlements, rollbacks, on the wallet.

Wallet keys (source "betsy"): "<tx>:bet" for the stake, "<tx>:settle:<n>" for the n-th
movement of settle/unsettle (each moves only the difference to the new payout), and
"<tx>:rollback" for the refund of the stake (before the bet: the late bet is refused).
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from portal import money
from portal.accounts.models import Player
from portal.accounts.sessions import token_hash
from portal.extensions import db
from portal.sportsbook import selections
from portal.sportsbook.betsy import BetsyError
from portal.sportsbook.models import (
    BetsyToken,
    SportsBet,
)
from portal.timeutil import utcnow
from portal.wallet import errors as wallet_errors
from portal.wallet import operations as wallet
from portal.wallet import queries as wallet_queries

SOURCE = "betsy"
RESULTS = {"won": "won", "lost": "lost", "refund": "refund", "cashout": "cashout"}


# --- tokens and players ---------------------------------------------------------------------


def issue_token(player: Player, currency: str) -> str:
    """The iframe token of (player, currency): a new one each time (a currency switch gets
    its own), living BETSY_TOKEN_MINUTES; the userId stays the player's id."""
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


def _player(player_id, *, may_bet: bool = False) -> Player:
    text = str(player_id) if isinstance(player_id, int | str) else ""
    player = (
        db.session.get(Player, int(text))
        if text.isascii() and text.isdigit() and len(text) < 10
        else None
    )
    if player is None:
        raise BetsyError(5)
    if may_bet and player.status == "blocked":
        raise BetsyError(9)
    if may_bet and player.status == "self_excluded":
        raise BetsyError(14)
    return player


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


def _answer(player: Player, currency: str, transaction_id: str | None) -> dict:
    real = wallet_queries.balance(player, currency).real
    answer = {"userId": str(player.id), "currency": currency, "amount": real}
    return {"transactionId": transaction_id, **answer} if transaction_id else answer


# --- bets -----------------------------------------------------------------------------------


def place_bet(data: dict, *, ip: str | None = None) -> dict:
    currency = _text(data, "currency", 5)
    user_id, tx = _user_id(data), _text(data, "transactionId", 64)
    player, _ = player_of_token(data.get("token"), user_id=user_id, currency=currency)
    player = _player(player.id, may_bet=True)
    amount = _amount(player, currency, data.get("amount"))
    columns = SportsBet.__table__.c
    selections.odds(data.get("coefficient"))  # the bet's total odds, kept as sent
    bet_odds = selections.identifier(data, "coefficient", columns.coefficient.type.length)
    ticket_type = selections.text(data, "ticketType", columns.ticket_type.type.length)
    lines = selections.parse(data.get("metadata"))
    movement = _wallet(
        wallet.debit,
        player,
        currency,
        money.format_amount(amount, currency),
        source=SOURCE,
        external_id=f"{tx}:bet",
        reference=tx,
    )
    if not movement.replayed:
        bet = SportsBet(
            transaction_id=tx,
            player_id=player.id,
            currency=currency,
            stake=amount,
            coefficient=bet_odds,
            ticket_type=ticket_type,
            ip=ip,
        )
        db.session.add(bet)
        selections.add(bet, lines)
        db.session.flush()
    # A repeat answers as the first time: the balance right after the stake, not today's.
    after = money.from_minor(movement.transaction.balance_after, currency)
    return {"transactionId": tx, "userId": str(player.id), "currency": currency, "amount": after}


def settle(data: dict) -> dict:
    """Type 2: make the bet's payout `amount` (moving only the difference)."""
    bet, player = _bet_for_update(data)
    if bet.status == "rolled_back":
        raise BetsyError(20)
    result = RESULTS.get(data.get("resultType") or ("won" if data.get("amount") else "lost"))
    if result is None:
        raise BetsyError(5)
    if result == "cashout":  # the player asked for it: their token must say so
        player_of_token(data.get("token"), user_id=str(bet.player_id), currency=bet.currency)
    payout = _amount(player, bet.currency, data.get("amount"), allow_zero=True)
    _pay(bet, player, payout)
    bet.status = result
    return _answer(player, bet.currency, bet.transaction_id)


def unsettle(data: dict) -> dict:
    """Type 1: take the payout back; the bet is open again."""
    bet, player = _bet_for_update(data)
    if bet.status == "rolled_back":
        raise BetsyError(20)
    _pay(bet, player, 0)
    bet.status = "unsettled"
    return _answer(player, bet.currency, bet.transaction_id)


def _pay(bet: SportsBet, player: Player, payout: int) -> None:
    difference = payout - bet.payout
    if difference:
        key = f"{bet.transaction_id}:settle:{bet.settlements + 1}"
        text = money.format_amount(abs(difference), bet.currency)
        if difference > 0:
            _wallet(
                wallet.credit,
                player,
                bet.currency,
                text,
                source=SOURCE,
                external_id=key,
                reference=bet.transaction_id,
            )
        else:
            _wallet(
                wallet.debit,
                player,
                bet.currency,
                text,
                source=SOURCE,
                external_id=key,
                reference=bet.transaction_id,
                kind="reversal",
                shortfall=21,
            )
        bet.settlements += 1
        bet.payout = payout
    db.session.flush()


def rollback(data: dict) -> dict:
    """Type 3: refund the stake once, and take back a payout already made. Only the net
    effect must fit the balance, so the stake comes back before the payout goes. Before
    the bet: recorded, so that the late bet is refused."""
    currency = _text(data, "currency", 5)
    player = _player(data.get("userId"))
    tx = _text(data, "transactionId", 64)
    wallet.lock_account(player, currency)
    bet = db.session.scalar(select(SportsBet).where(SportsBet.transaction_id == tx))
    if bet is not None and (bet.player_id != player.id or bet.currency != currency):
        raise BetsyError(5)
    _wallet(
        wallet.refund_stake,
        player,
        currency,
        source=SOURCE,
        external_id=f"{tx}:rollback",
        original_external_id=f"{tx}:bet",
        reference=tx,
    )
    if bet is not None:
        _pay(bet, player, 0)
        bet.status = "rolled_back"
    return _answer(player, currency, tx)


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


def _bet_for_update(data: dict) -> tuple[SportsBet, Player]:
    currency = _text(data, "currency", 5)
    player = _player(data.get("userId"))
    tx = _text(data, "transactionId", 64)
    wallet.lock_account(player, currency)
    bet = db.session.scalar(
        select(SportsBet)
        .where(SportsBet.transaction_id == tx)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if bet is None or bet.player_id != player.id or bet.currency != currency:
        raise BetsyError(5)
    return bet, player


# --- plumbing -------------------------------------------------------------------------------


def _wallet(operation, player, currency, *args, shortfall=7, **kwargs):
    try:
        return operation(player, currency, *args, **kwargs)
    except wallet_errors.InsufficientFunds:
        raise BetsyError(shortfall) from None
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
