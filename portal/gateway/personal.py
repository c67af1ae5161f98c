"""Gateway personal details, custom fields and email change (seed 002)."""

import simplejson
from flask import jsonify

from portal.accounts import credentials, profile
from portal.accounts.errors import ValidationFailed
from portal.database import transactional
from portal.extensions import limiter, login_rate_limit
from portal.gateway.blueprint import bp
from portal.gateway.protocol import (
    BadInput,
    brand_for,
    current_session,
    field,
    field_errors,
    json_body,
)

DETAILS = "/player-personal-details/player/details/<version>/<brand_id>"
CUSTOM_FIELDS = "/player-personal-details/<version>/custom-fields/<brand_id>"
EMAIL_UPDATE = "/player-personal-details/player/details/emailUpdate/<version>/<brand_id>"


def _timestamp(value) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else None


@bp.get(DETAILS)
@transactional
def get_details(version, brand_id):
    player = current_session(brand_for(version, brand_id)).player
    return jsonify(
        firstName=player.first_name or "",
        lastName=player.last_name or "",
        birthdate=f"{player.birthdate:%Y-%m-%d} 00:00:00" if player.birthdate else "",
        gender=player.gender or "",
        language=player.language,
        country=player.country or "",
        city=player.city or "",
        address=player.address or "",
        zipPostalCode=player.zip_code or "",
        phone=player.phone or "",
        eMail={"eMailAdress": player.email, "isVerified": player.email_verified_at is not None},
        optOut={c: getattr(player, f"opt_out_{c}") for c in profile.OPT_OUTS},
        is2faRequired=player.is_2fa_required,
        mobileVerificationStatus=player.mobile_verification_status,
        mobileVerificationStatusDate=_timestamp(player.mobile_verification_status_date),
        mobileVerificationStatusChangedBy=player.mobile_verification_changed_by or "",
        pendingMobileNumber=player.pending_mobile_number or "",
        pendingEmail=player.pending_email or "",
    )


def _opt_out(body: dict) -> dict:
    """optOut as an object, as a JSON string (the seed's example), or as optOut.x keys."""
    value = body.get("optOut")
    if isinstance(value, str):
        try:
            value = simplejson.loads(value)
        except (ValueError, RecursionError):
            raise BadInput("optOut must be a JSON object") from None
    if value is not None and not isinstance(value, dict):
        raise BadInput("optOut must be a JSON object")
    merged = dict(value or {})
    for channel in profile.OPT_OUTS:
        if f"optOut.{channel}" in body:
            merged[channel] = body[f"optOut.{channel}"]
    return merged


@bp.put(DETAILS)
@transactional
def put_details(version, brand_id):
    player = current_session(brand_for(version, brand_id)).player
    body = json_body()
    given = {
        name: body.get(name)
        for name in (*profile.TEXT_FIELDS, "birthdate", "gender", "country", "phone", "language")
    }
    given["optOut"] = _opt_out(body)
    try:
        details = profile.validate_details(player, given)
    except ValidationFailed as exc:
        return jsonify(errMsg="invalid input", result=field_errors(exc)), 400
    # The caller is the player (their own token): the history says so, whatever "operator"
    # the body claims; that claim is kept in the comment.
    claimed, comment = field(body, "operator"), field(body, "comment")
    if claimed and claimed != "Player":
        comment = f"{comment or 'player request'} (operator given: {claimed})"
    profile.update_details(player, details, comment=comment, operator="Player")
    return "", 204


@bp.get(CUSTOM_FIELDS)
@transactional
def get_custom_fields(version, brand_id):
    player = current_session(brand_for(version, brand_id)).player
    fields = profile.custom_fields(player)
    return jsonify(
        strCustomFields=[
            {"id": f.field_id, "name": f.name, "value": f.str_value} for f in fields["str"]
        ],
        intCustomFields=[
            {"id": f.field_id, "name": f.name, "value": f.int_value} for f in fields["int"]
        ],
    )


@bp.put(CUSTOM_FIELDS)
@transactional
def put_custom_fields(version, brand_id):
    player = current_session(brand_for(version, brand_id)).player
    body = json_body()
    items = []
    for kind, key in (("str", "strCustomFields"), ("int", "intCustomFields")):
        for item in field(body, key, list, default=[]):
            if not isinstance(item, dict):
                raise BadInput(f"{key} must hold objects")
            items.append((kind, item.get("id"), item.get("name"), item.get("value")))
    try:
        profile.set_custom_fields(player, items)
    except ValidationFailed as exc:
        return jsonify(errMsg="invalid input", result=field_errors(exc)), 400
    return jsonify(result="success")


@bp.route(EMAIL_UPDATE, methods=["PUT", "POST"])
@limiter.limit(login_rate_limit, scope="email-update")
@transactional
def email_update(version, brand_id):
    player = current_session(brand_for(version, brand_id)).player
    body = json_body()
    credentials.request_email_change(player, field(body, "email"), comment=field(body, "comment"))
    return "", 204
