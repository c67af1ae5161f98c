"""Gateway online-player endpoints: status, in-game status, player info (seed 002).

While the player has something to do first they answer 401 {"result": CODE}; when the
brand's reality-check interval has passed, 303 with the session summary, until the player
acknowledges it (POST .../reality-check/acknowledge, our addition).
"""

import re

from flask import jsonify

from portal.accounts import gating, status
from portal.database import transactional
from portal.gateway.blueprint import bp
from portal.gateway.protocol import BadInput, brand_for, current_session

_GAME_SESSION_ID = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
INGAME_FIELDS = (
    "marketingSegmentation",
    "tag_status",
    "deposit_count",
    "vip_level",
    "average_deposit",
    "billboard",
    "segmentation_id",
    "maxBalance",
    "UT",
    "decline",
    "VIP_segment",
    "total_balance",
    "pending_withdrawal",
    "total_withdrawals",
    "last_bet",
    "last_deposit",
    "last_deposit_amount",
    "rounds_since_login",
    "balance_since_login",
    "playerIdLink",
    "bonusOptOut",
    "real_balance",
    "freeTraffic",
    "depositsAmount",
    "chat_opt_out",
    "bonusBalance",  # the bonus and wagering figures: issue 12 asks for them in play too
    "maxWin",
    "wageringBalance",
    "wageringComplete",
    "currency",
    "wageringCompleteInfoPath",  # (where the game reads the completed wagering's details)
)


def _playable_session(version, brand_id):
    session = current_session(brand_for(version, brand_id))
    gating.require_no_actions(session.player)
    return session


@bp.get("/online-player/<version>/player/<brand_id>/online/status")
@transactional
def online_status(version, brand_id):
    session = _playable_session(version, brand_id)
    if status.reality_check_due(session):
        return jsonify(status.reality_check(session)), 303
    return jsonify(status.online_status(session.player, session))


@bp.get("/online-player/<version>/player/<brand_id>/online/ingame/status/<game_session_id>")
@transactional
def ingame_status(version, brand_id, game_session_id):
    session = _playable_session(version, brand_id)
    if not _GAME_SESSION_ID.fullmatch(game_session_id):
        raise BadInput("game_session_id")
    if status.reality_check_due(session):
        return jsonify(status.reality_check(session, short=True)), 303
    full = status.online_status(session.player, session)
    return jsonify({name: full[name] for name in INGAME_FIELDS})


@bp.get("/online-player/<version>/<brand_id>/player/info")
@transactional
def player_info(version, brand_id):
    return jsonify(status.player_info(_playable_session(version, brand_id).player))


@bp.post("/online-player/<version>/player/<brand_id>/reality-check/acknowledge")
@transactional
def acknowledge_reality_check(version, brand_id):
    session = current_session(brand_for(version, brand_id))
    status.acknowledge_reality_check(session)
    return jsonify(result="success")


@bp.get("/bonus/<version>/wagering-complete/<brand_id>/<player_id>/<unique_ref_id>")
@transactional
def wagering_complete(version, brand_id, player_id, unique_ref_id):
    """A wagering-complete event's details (seed 002's wageringCompleteInfoPath), to the
    player's own token only: another player's event, or none, answers 404."""
    from portal.bonuses import queries as bonuses

    session = current_session(brand_for(version, brand_id))
    found = None
    if player_id == str(session.player.id) and len(unique_ref_id) <= 36:
        found = bonuses.wagering_complete_event(session.player.id, unique_ref_id)
    if found is None:
        return jsonify(errMsg="not found"), 404
    return jsonify(found)
