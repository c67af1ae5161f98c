"""Gateway start-game: the launch URL of a casino game or of the sportsbook, carrying a
fresh token in its `token` parameter, for sites that build their own pages."""

import re

from flask import jsonify

from portal.accounts import gating
from portal.casino import operations as casino
from portal.casino.pages import DEFAULT_TAG_ID, webframe_url
from portal.database import transactional
from portal.gateway.blueprint import bp
from portal.gateway.protocol import BadInput, brand_for, current_session, field, json_body
from portal.sportsbook import operations as sportsbook
from portal.sportsbook.pages import iframe_url

SPORTSBOOK = "sportsbook"
_GAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


@bp.post("/games/<version>/start-game/<brand_id>/<game>/<lang>")
@transactional
def start_game(version, brand_id, game, lang):
    brand = brand_for(version, brand_id)
    body = json_body()
    session = current_session(brand)
    gating.require_no_actions(session.player)
    if lang not in brand.language_list:
        raise BadInput("unsupported language")
    if not _GAME.fullmatch(game):
        raise BadInput("game")
    field(body, "return_url")  # accepted (the frame's exit URL), type-checked
    player = session.player
    if game == SPORTSBOOK:
        token = sportsbook.issue_token(player, player.active_currency)
        return jsonify(url=iframe_url(token=token, language=lang))
    token = casino.issue_token(player, player.active_currency, DEFAULT_TAG_ID)
    return jsonify(url=webframe_url(token=token, language=lang, game=game, tag_id=DEFAULT_TAG_ID))
