"""Gateway admission: registration, login, logout, passwords, activation (seed 002)."""

from flask import jsonify, request

from portal.accounts import credentials, gating, operations, profile
from portal.accounts.errors import ActionRequired, ValidationFailed
from portal.accounts.sessions import open_session, revoke_session
from portal.database import transactional
from portal.extensions import limiter, login_rate_limit
from portal.gateway.blueprint import bp
from portal.gateway.protocol import (
    brand_for,
    client,
    current_session,
    field,
    field_errors,
    json_body,
)
from portal.login_limits import gateway_account, limit_failed_logins


@bp.post("/reg-step-one/<version>/<brand_id>")
@limiter.limit(login_rate_limit, scope="registration")
@transactional
def reg_step_one(version, brand_id):
    brand = brand_for(version, brand_id)
    body = json_body()
    player = operations.register_player(
        brand,
        email=field(body, "email"),
        password=field(body, "password"),
        login_name=field(body, "loginName"),
        currency=field(body, "currency"),
        language=field(body, "language"),
        over18=field(body, "over18", bool, default=False),
        btag=field(body, "btag"),
        bonus_code=field(body, "bonusCode"),
        terms_accepted=True if field(body, "signTNC", bool) else None,
        client=client(),
    )
    token = open_session(player, channel="api", ip=client().ip, user_agent=client().user_agent)
    return jsonify(auth_token=token, player_id=player.id), 201


@bp.post("/login/<version>/<brand_id>/player")
@limit_failed_logins(gateway_account)
@transactional
def login(version, brand_id):
    brand = brand_for(version, brand_id)
    body = json_body()
    identifier = field(body, "user_name") or field(body, "email")
    player, token = operations.login(
        brand, identifier, field(body, "password"), channel="api", client=client()
    )
    actions = gating.pending_actions(player)
    body = {
        "auth_token": token,
        "player_id": player.id,
        "currency": player.active_currency,
        "language": player.language,
        "actions": actions,
    }
    if actions:  # logged in, but the player must act first (seed 002 / VENDORS.md)
        return jsonify({"result": actions[0], **body}), 303
    return jsonify(body)


@bp.post("/logout/<version>/<brand_id>/player")
@transactional
def logout(version, brand_id):
    revoke_session(current_session(brand_for(version, brand_id)))
    return jsonify(result="success")


# Registration step two: request field -> profile field
STEP_TWO_FIELDS = {
    "firstName": "firstName",
    "lastName": "lastName",
    "birthDate": "birthdate",
    "gender": "gender",
    "country": "country",
    "city": "city",
    "address": "address",
    "zipCode": "zipPostalCode",
    "mobileNumber": "phone",
}


@bp.post("/reg-step-two/<version>/<brand_id>")
@transactional
def reg_step_two(version, brand_id):
    session = current_session(brand_for(version, brand_id))
    body = json_body()
    given = {ours: field(body, theirs) for theirs, ours in STEP_TWO_FIELDS.items()}
    try:
        profile.complete_registration(session.player, given)
    except ValidationFailed as exc:
        # report errors under the request's own field names
        names = {ours: theirs for theirs, ours in STEP_TWO_FIELDS.items()}
        exc.errors = [type(e)(names.get(e.field, e.field), e.code) for e in exc.errors]
        raise
    return jsonify(result="success", actions=gating.pending_actions(session.player))


@bp.post("/admission/<version>/forgot/password/<brand_id>")
@limiter.limit(login_rate_limit, scope="forgot-password")
@transactional
def forgot_password(version, brand_id):
    brand = brand_for(version, brand_id)
    try:
        credentials.request_password_reset(brand, field(json_body(), "mail"))
    except ValidationFailed:
        return jsonify(message_format="email_required"), 400
    return jsonify(message_format="forgot_email_sent"), 201


@bp.post("/admission/<version>/verify/password/<brand_id>")
@limiter.limit(login_rate_limit, scope="verify-password")
@transactional
def verify_password(version, brand_id):
    brand = brand_for(version, brand_id)
    body = json_body()
    _player, token = credentials.reset_password(
        brand, request.args.get("hash"), field(body, "new_password"), channel="api", client=client()
    )
    if token is None:  # a blocked or excluded player gets no session
        return jsonify(message_format="password_successfully_changed"), 200
    return jsonify(token=token, message_format="password_successfully_changed"), 202


@bp.route("/admission/<version>/player/<brand_id>/change/password", methods=["POST", "PUT"])
@limiter.limit(login_rate_limit, scope="change-password")
@transactional
def change_password(version, brand_id):
    session = current_session(brand_for(version, brand_id))
    body = json_body()
    try:
        credentials.change_password(
            session.player,
            field(body, "old_password"),
            field(body, "new_password"),
            keep=session,
        )
    except ActionRequired as exc:  # tnc_approval_required or privacy_approval_required
        return jsonify(message_format=exc.actions[0].lower()), 303
    except ValidationFailed as exc:
        if "wrong_old_password" in exc.codes():
            return jsonify(message_format="wrong_old_password", result=field_errors(exc)), 422
        raise
    return jsonify(message_format="password_replaced"), 202


@bp.post("/admission/<version>/resend/activation/email/<brand_id>")
@limiter.limit(login_rate_limit, scope="resend-activation")
@transactional
def resend_activation(version, brand_id):
    session = current_session(brand_for(version, brand_id))
    if credentials.send_activation(session.player):
        return jsonify(msg="Activation Email was sent.")
    return jsonify(msg="Email is already verified.")
