"""Personal details, registration step two and custom fields (seed 002).

Field codes: first_name_required/_invalid, last_name_required/_invalid,
birthdate_required/_invalid/_not_exist/_out_of_range (before 1900 or in the future), underage,
gender_invalid, country_required/_invalid, city_invalid, address_invalid, zip_code_invalid,
phone_invalid, language_invalid, time_zone_invalid (`timeZone`: an IANA name, the zone the
pages show times in), custom_field_invalid.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from babel import Locale
from sqlalchemy import func

from portal import i18n
from portal.accounts.credentials import record_change
from portal.accounts.errors import FieldError, ValidationFailed
from portal.accounts.models import Player, PlayerCustomField
from portal.extensions import db
from portal.limits import rules
from portal.timeutil import utcnow

# CLDR's two-letter territories that are not countries: unknown, unions, pseudo-regions.
_NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB", "CP", "CQ"}
COUNTRIES = frozenset(
    code
    for code in Locale("en").territories
    if re.fullmatch(r"[A-Z]{2}", code) and code not in _NOT_COUNTRIES
)
MINIMUM_AGE = rules.ADULT_AGE
_PHONE = re.compile(r"\+?[0-9][0-9 \-]{3,27}[0-9]")  # at most 30, the column's size
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# API field name -> (model attribute, maximum length, error code prefix)
TEXT_FIELDS = {
    "firstName": ("first_name", 100, "first_name"),
    "lastName": ("last_name", 100, "last_name"),
    "city": ("city", 100, "city"),
    "address": ("address", 200, "address"),
    "zipPostalCode": ("zip_code", 20, "zip_code"),
}
OPT_OUTS = ("chat", "sms", "email", "phone")
REGISTRATION_REQUIRED = ("firstName", "lastName", "birthdate", "country")
_ATTRIBUTE = {
    "firstName": "first_name",
    "lastName": "last_name",
    "birthdate": "birthdate",
    "country": "country",
}


@dataclass(frozen=True)
class Details:
    """A validated set of changes: model attribute -> new value."""

    values: dict


def _blank(value) -> bool:
    return isinstance(value, str) and not value.strip()


def validate_details(player: Player, given: dict, *, required=()) -> Details:
    """Check the given API fields; every broken rule at once.

    None means "not given" (unchanged). An empty string clears an optional field; the
    fields registration requires cannot be emptied once set (`*_required`).
    """
    errors, values = [], {}
    required = {
        *required,
        *(
            n
            for n in REGISTRATION_REQUIRED
            if _blank(given.get(n)) and getattr(player, _ATTRIBUTE[n])
        ),
    }
    given = {
        n: (None if n in REGISTRATION_REQUIRED and _blank(v) and n not in required else v)
        for n, v in given.items()
    }
    for name, (attribute, limit, code) in TEXT_FIELDS.items():
        value = given.get(name)
        if value is None or _blank(value):
            if name in required:
                errors.append(FieldError(name, f"{code}_required"))
            elif value is not None:
                values[attribute] = None
            continue
        shape = _SHAPES.get(name)
        if (
            not isinstance(value, str)
            or len(value.strip()) > limit
            or (shape is not None and not shape(value.strip()))
        ):
            errors.append(FieldError(name, f"{code}_invalid"))
        else:
            values[attribute] = value.strip()
    for name, check in (
        ("birthdate", _birthdate),
        ("gender", _gender),
        ("country", _country),
        ("phone", _phone),
    ):
        value = given.get(name)
        if value is None or _blank(value):
            if name in required:
                errors.append(FieldError(name, f"{name}_required"))
            elif value is not None:
                values[name] = None
            continue
        result = check(value)
        if isinstance(result, FieldError):
            errors.append(FieldError(name, result.code))
        else:
            values[name] = result
    language = given.get("language")
    if language is not None:
        if language not in player.brand.language_list:
            errors.append(FieldError("language", "language_invalid"))
        else:
            values["language"] = language
    zone = given.get("timeZone")
    if zone is not None:
        if isinstance(zone, str) and i18n.valid_time_zone(zone.strip()):
            values["time_zone"] = zone.strip()
        else:
            errors.append(FieldError("timeZone", "time_zone_invalid"))
    excluded = rules.player_excluded(player, utcnow())
    for channel, value in (given.get("optOut") or {}).items():
        if channel not in OPT_OUTS or not isinstance(value, bool):
            errors.append(FieldError(f"optOut.{channel}", "opt_out_invalid"))
        elif not excluded:  # (an exclusion stopped marketing: it stays stopped meanwhile)
            values[f"opt_out_{channel}"] = value
    if errors:
        raise ValidationFailed(errors)
    return Details(values)


def _birthdate(value):
    text = value if isinstance(value, str) else ""
    text = text[:-9] if text.endswith(" 00:00:00") else text  # the form GET details returns
    if not _DATE.fullmatch(text):
        return FieldError("birthdate", "birthdate_invalid")
    try:
        born = date.fromisoformat(text)
    except ValueError:  # the shape is right: 2015-02-30, 1990-13-01
        return FieldError("birthdate", "birthdate_not_exist")
    today = utcnow().date()
    if born.year < 1900 or born > today:  # the shape is right, the date cannot be a birth date
        return FieldError("birthdate", "birthdate_out_of_range")
    return born if rules.age_on(born, today) >= MINIMUM_AGE else FieldError("birthdate", "underage")


_NAME_MARKS = frozenset(" '\u2019-")  # space, apostrophes (' and ’), hyphen


def _is_name(text: str) -> bool:
    """Letters of any script (with their combining marks), spaces, apostrophes, hyphens;
    at least one letter; no digits or symbols ("J0hn!" is not a name, "Zoë O'Brien-Łukasz"
    and "李 小龙" are)."""
    kinds = [unicodedata.category(c)[0] for c in text]
    marks_ok = all(k in "LM" or c in _NAME_MARKS for c, k in zip(text, kinds, strict=True))
    return "L" in kinds and marks_ok


def _is_postal_code(text: str) -> bool:
    """Letters, digits, spaces and hyphens, with at least one letter or digit."""
    return any(c.isalnum() for c in text) and all(c.isalnum() or c in " -" for c in text)


_SHAPES = {"firstName": _is_name, "lastName": _is_name, "zipPostalCode": _is_postal_code}


def _gender(value):
    return value if value in ("F", "M") else FieldError("gender", "gender_invalid")


def _country(value):
    ok = isinstance(value, str) and value.upper() in COUNTRIES
    return value.upper() if ok else FieldError("country", "country_invalid")


def _phone(value):
    ok = isinstance(value, str) and _PHONE.fullmatch(value.strip())
    return value.strip() if ok else FieldError("phone", "phone_invalid")


def update_details(player: Player, details: Details, *, comment=None, operator="Player") -> None:
    """Apply validated changes, each recorded in the player's change history."""
    for attribute, value in details.values.items():
        old = getattr(player, attribute)
        if old != value:
            record_change(player, attribute, old, value, comment=comment, operator=operator)
            setattr(player, attribute, value)
    db.session.flush()


def complete_registration(player: Player, given: dict) -> None:
    """Registration step two: the personal details the brand needs before play."""
    details = validate_details(player, given, required=REGISTRATION_REQUIRED)
    update_details(player, details, comment="registration step two")
    player.registration_completed_at = player.registration_completed_at or utcnow()


# --- custom fields ----------------------------------------------------------------------

INT64 = 2**63


def custom_fields(player: Player) -> dict[str, list[PlayerCustomField]]:
    rows = db.session.scalars(
        db.select(PlayerCustomField)
        .where(PlayerCustomField.player_id == player.id)
        .order_by(PlayerCustomField.id)
    ).all()
    return {kind: [r for r in rows if r.kind == kind] for kind in ("str", "int")}


def set_custom_fields(player: Player, items: list[tuple[str, str, str, object]]) -> None:
    """Upsert (kind, id, name, value) items; kind "str" takes strings, "int" integers."""
    errors, positions = [], {"str": 0, "int": 0}
    for kind, field_id, name, value in items:
        index = positions[kind]
        positions[kind] += 1
        ok = (
            isinstance(field_id, str) and 0 < len(field_id) <= 64
            and isinstance(name, str) and 0 < len(name) <= 100
            and (
                (kind == "str" and isinstance(value, str) and len(value) <= 1000)
                or (kind == "int" and type(value) is int and -INT64 <= value < INT64)
            )
        )  # fmt: skip
        if not ok:
            errors.append(FieldError(f"{kind}CustomFields[{index}]", "custom_field_invalid"))
    if errors:
        raise ValidationFailed(errors)
    existing = {(r.kind, r.field_id): r for rows in custom_fields(player).values() for r in rows}
    for kind, field_id, name, value in items:
        row = existing.get((kind, field_id))
        if row is None:
            row = PlayerCustomField(player_id=player.id, kind=kind, field_id=field_id)
            db.session.add(row)
            existing[(kind, field_id)] = row
        row.name = name
        row.str_value, row.int_value = (value, None) if kind == "str" else (None, value)
    if items:  # the CRM players feed shows the custom fields: the player row is modified
        player.modified_at = func.portal_now()
    db.session.flush()
