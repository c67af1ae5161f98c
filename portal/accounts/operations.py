"""Account operations: the one place where account rules live.

Every door (player pages, gateway JSON, CLI) calls these. They flush but never commit:
the caller's unit of work commits once (portal.database.transactional).
"""

import logging
import re
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from portal import money
from portal.accounts import credentials, documents, facts, validation
from portal.accounts.errors import (
    BrandNotFound,
    FieldError,
    InvalidCredentials,
    PlayerBlocked,
    PlayerExcluded,
    ValidationFailed,
)
from portal.accounts.models import Brand, LoginEvent, Player
from portal.accounts.passwords import hash_password, needs_rehash, verify_password
from portal.accounts.sessions import open_session
from portal.database import after_commit, end_unwritten_transaction
from portal.extensions import db
from portal.limits import rules
from portal.timeutil import utcnow

_BRAND_ID = re.compile(r"[1-9][0-9]{0,8}")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Client:
    """Where a request came from, for sessions and login events."""

    ip: str | None = None
    user_agent: str | None = None
    host: str | None = None

    @classmethod
    def of(cls, request) -> "Client":
        """The client of a Flask request (any door)."""
        return cls(ip=request.remote_addr, user_agent=request.user_agent.string, host=request.host)


def get_brand(brand_id) -> Brand:
    """The brand with this id (an int or a numeric string); BrandNotFound otherwise."""
    text = str(brand_id)
    key = int(text) if _BRAND_ID.fullmatch(text) else 0
    brand = db.session.get(Brand, key) if key else None
    if brand is None:
        raise BrandNotFound(brand_id)
    return brand


def create_brand(
    name: str,
    *,
    currencies: list[str],
    languages: list[str],
    password_max_length: int = 15,
    require_verified_email: bool = False,
) -> Brand:
    errors = []
    if not name.strip() or len(name) > 100:
        errors.append(FieldError("name", "name_invalid"))
    elif db.session.scalar(select(Brand.id).where(Brand.name == name.strip())):
        errors.append(FieldError("name", "name_already_exists"))
    if not currencies or not all(money.is_currency(c) for c in currencies):
        errors.append(FieldError("currencies", "currency_invalid"))
    if not _languages_valid(languages):
        errors.append(FieldError("languages", "language_invalid"))
    if not 8 <= password_max_length <= 128:
        errors.append(FieldError("password_max_length", "password_max_length_invalid"))
    if errors:
        raise ValidationFailed(errors)
    brand = Brand(
        name=name.strip(),
        currencies=",".join(dict.fromkeys(currencies)),
        languages=",".join(dict.fromkeys(languages)),
        password_max_length=password_max_length,
        require_verified_email=require_verified_email,
    )
    db.session.add(brand)
    db.session.flush()
    return brand


def _languages_valid(languages: list[str]) -> bool:
    return bool(languages) and all(len(x) == 2 and x.isalpha() and x.islower() for x in languages)


def update_brand(
    brand: Brand,
    *,
    password_max_length=None,
    require_verified_email=None,
    reality_check_minutes=None,
    via_aggregator=None,
    languages=None,
    add_currencies=None,
    legal_text=None,
    contact_email=None,
) -> Brand:
    """Change a brand's account settings (None leaves a setting as it is; a reality check
    of 0 minutes turns it off; the first of `languages` is the default). Currencies can be
    added, never removed (players keep balances in them); other processes see an added
    one within facts.CURRENCIES_TTL."""
    if add_currencies:
        if not all(money.is_currency(c) for c in add_currencies):
            raise ValidationFailed([FieldError("currencies", "currency_invalid")])
        brand.currencies = ",".join(dict.fromkeys([*brand.currency_list, *add_currencies]))
        after_commit(facts.forget_currencies)
    if legal_text is not None:  # "" removes it
        if len(legal_text) > 500:
            raise ValidationFailed([FieldError("legal_text", "legal_text_long")])
        brand.legal_text = legal_text.strip() or None
    if contact_email is not None:  # "" removes it
        contact_email = contact_email.strip()
        if contact_email and validation.email_errors(contact_email, is_test=True):
            raise ValidationFailed([FieldError("contact_email", "invalid_email")])
        brand.contact_email = contact_email or None
    if languages is not None:
        if not _languages_valid(languages):
            raise ValidationFailed([FieldError("languages", "language_invalid")])
        brand.languages = ",".join(dict.fromkeys(languages))
    if password_max_length is not None:
        if not 8 <= password_max_length <= 128:
            raise ValidationFailed(
                [FieldError("password_max_length", "password_max_length_invalid")]
            )
        brand.password_max_length = password_max_length
    if require_verified_email is not None:
        brand.require_verified_email = require_verified_email
    if reality_check_minutes is not None:
        if not 0 <= reality_check_minutes <= 24 * 60:
            raise ValidationFailed(
                [FieldError("reality_check_minutes", "reality_check_minutes_invalid")]
            )
        brand.reality_check_minutes = reality_check_minutes or None
    if via_aggregator is not None:
        brand.via_aggregator = via_aggregator
    db.session.flush()
    return brand


def register_player(
    brand: Brand,
    *,
    email: str | None,
    password: str | None,
    login_name: str | None = None,
    currency: str | None = None,
    language: str | None = None,
    over18: bool = False,
    btag: str | None = None,
    bonus_code: str | None = None,
    email_verified: bool = False,
    terms_accepted: bool | None = None,
    complete: bool = False,
    client: Client = Client(),
) -> Player:
    """Create a player; ValidationFailed lists every broken field rule at once.

    `terms_accepted`: None where the door does not ask (the player accepts later);
    False where it asked and the player did not tick the box; True signs the brand's
    current documents. `complete`: support creates a ready player (step two done, current
    documents signed) instead of one that still has registration step two to do.
    """
    email = (email or "").strip()
    login_name = (login_name or "").strip() or None
    currency = currency or brand.default_currency
    language = language or brand.default_language
    is_test = validation.is_test_login(login_name)

    errors = validation.email_errors(email, is_test=is_test)
    errors += validation.login_name_errors(login_name)
    errors += validation.password_errors(brand, password, login_name=login_name, email=email)
    errors += validation.choice_errors(brand, currency=currency, language=language)
    if not over18:
        errors.append(FieldError("over18", "over18_required"))
    if terms_accepted is False:
        errors.append(FieldError("signTNC", "tnc_required"))
    if not errors:
        errors = _taken(brand, email, login_name)
    if errors:
        raise ValidationFailed(errors)

    player = Player(
        brand=brand,
        email=email,
        email_key=validation.email_key(email),
        login_name=login_name,
        login_name_key=login_name.casefold() if login_name else None,
        password_hash=hash_password(password),
        currency=currency,
        active_currency=currency,
        language=language,
        is_test=is_test,
        btag=(btag or None) and btag[:100],
        bonus_code=(bonus_code or None) and bonus_code[:100],
        email_verified_at=utcnow() if email_verified else None,
        registration_ip=client.ip,
        registration_user_agent=(client.user_agent or "")[:500] or None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(player)
    except IntegrityError:  # a concurrent registration took the address or name first
        raise ValidationFailed(
            _taken(brand, email, login_name) or [FieldError("email", "email_already_exists")]
        ) from None
    if terms_accepted or complete:
        documents.sign_all(player, language=language, ip=client.ip)
    if complete:
        player.registration_completed_at = utcnow()
    if player.bonus_code:
        _registration_bonus(player)
    credentials.send_welcome(player)
    return player


def _registration_bonus(player: Player) -> None:
    """The bonusCode given at registration: a fixed bonus is granted now; a percentage one
    waits for the first deposit (portal.payments.deposits); an unknown code is ignored
    (registration never fails for it)."""
    from portal.bonuses import operations as bonuses

    try:
        with db.session.begin_nested():
            db.session.flush()
            bonuses.claim(player, player.bonus_code, player.currency)
    except bonuses.BonusRefused as exc:
        log.info("player %s: registration bonus code %s: %s", player.id, player.bonus_code, exc)


def _taken(brand: Brand, email: str, login_name: str | None) -> list:
    errors = []
    if _find_player(brand, email):
        errors.append(FieldError("email", "email_already_exists"))
    if login_name and _find_player(brand, login_name):
        errors.append(FieldError("loginName", "username_already_exists"))
    return errors


def _find_player(brand: Brand, identifier: str) -> Player | None:
    """A player of the brand by email or login name, case-insensitively."""
    key = identifier.strip().casefold()
    if "\x00" in key:
        return None
    return db.session.scalar(
        select(Player).where(
            Player.brand_id == brand.id,
            or_(Player.email_key == key, Player.login_name_key == key),
        )
    )


def authenticate(
    brand: Brand, identifier: str | None, password: str | None, *, channel: str, client: Client
) -> Player:
    """The player with these credentials; every attempt is recorded as a LoginEvent.

    Unknown names and wrong passwords raise the same InvalidCredentials after the same
    amount of hashing work, so the answer does not tell which addresses exist.
    """
    identifier = (identifier or "").strip()[: validation.EMAIL_MAX_LENGTH]
    player = _find_player(brand, identifier) if identifier else None
    stored = player.password_hash if player else None
    brand_id = brand.id
    end_unwritten_transaction()  # the hash takes tens of ms: hold no lock meanwhile
    ok = verify_password(stored, password or "")
    reason = None if ok else "bad_credentials"
    if ok and player.is_blocked:
        reason = "blocked"
    excluded = ok and rules.player_excluded(player, utcnow())
    if excluded and channel != "web":
        reason = "excluded"
    db.session.add(
        LoginEvent(
            brand_id=brand_id,
            player_id=player.id if player else None,
            channel=channel,
            success=reason is None,
            reason=reason,
            ip=client.ip,
            user_agent=(client.user_agent or "")[:500] or None,
            host=(client.host or "")[:255] or None,
        )
    )
    db.session.flush()
    if reason == "blocked":
        raise PlayerBlocked()
    if reason == "excluded":
        from portal.limits.operations import shown_until  # (only for an excluded player)

        raise PlayerExcluded(player.status, shown_until(player))
    if reason:
        raise InvalidCredentials()
    if player.status in rules.EXCLUDED_STATUSES:  # (an exclusion that has run out: tidy)
        from portal.limits.operations import settle_ended

        settle_ended(player)
    if needs_rehash(player.password_hash):
        player.password_hash = hash_password(password)
    return player


def login(brand: Brand, identifier, password, *, channel: str, client: Client):
    """Authenticate and open a new session: (player, session token)."""
    player = authenticate(brand, identifier, password, channel=channel, client=client)
    token = open_session(player, channel=channel, ip=client.ip, user_agent=client.user_agent)
    return player, token


def set_active_currency(player: Player, currency: str | None) -> None:
    """Play in another of the brand's currencies from now on."""
    if currency not in player.brand.currency_list:
        raise ValidationFailed([FieldError("currency", "currency_invalid")])
    player.active_currency = currency
