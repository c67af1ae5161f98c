"""Gateway JSON endpoints for player accounts (seed 002 paths, see VENDORS.md)."""

from flask import Blueprint, current_app, jsonify

from portal.accounts import operations
from portal.accounts.errors import InvalidSession
from portal.accounts.sessions import open_session, revoke_session
from portal.database import transactional
from portal.errors import DomainError
from portal.extensions import csrf, limiter
from portal.gateway.protocol import (
    brand_for,
    client,
    current_session,
    field,
    json_body,
    render_domain_error,
)

bp = Blueprint("gateway", __name__, url_prefix="/gateway")
csrf.exempt(bp)
bp.register_error_handler(DomainError, render_domain_error)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.post("/reg-step-one/<version>/<brand_id>")
@limiter.limit(_login_limit, scope="registration")
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
        client=client(),
    )
    token = open_session(player, channel="api", ip=client().ip, user_agent=client().user_agent)
    return jsonify(auth_token=token, player_id=player.id), 201


@bp.post("/login/<version>/<brand_id>/player")
@limiter.limit(_login_limit, scope="login")
@transactional
def login(version, brand_id):
    brand = brand_for(version, brand_id)
    body = json_body()
    identifier = field(body, "user_name") or field(body, "email")
    player, token = operations.login(
        brand, identifier, field(body, "password"), channel="api", client=client()
    )
    return jsonify(
        auth_token=token,
        player_id=player.id,
        currency=player.active_currency,
        language=player.language,
        actions=[],
    )


@bp.post("/logout/<version>/<brand_id>/player")
@transactional
def logout(version, brand_id):
    brand = brand_for(version, brand_id)
    session = current_session()
    if session.player.brand_id != brand.id:
        raise InvalidSession()
    revoke_session(session)
    return jsonify(result="success")
