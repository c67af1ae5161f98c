"""Gateway content: T&C documents, signing them, message formats (seed 002)."""

from flask import jsonify, request

from portal import messages
from portal.accounts import documents, operations
from portal.database import transactional
from portal.gateway.blueprint import bp
from portal.gateway.protocol import (
    BadInput,
    brand_for,
    check_version,
    client,
    current_session,
    err,
    field,
    json_body,
)

DOCUMENT_TYPES = {"tnc": "tnc", "privacy": "privacy", "privacy_policy": "privacy"}


@bp.get("/tnc/<version>/document/revision/lastPublished/<brand_id>/<lang>/<doc_type>")
@transactional
def last_published(version, brand_id, lang, doc_type):
    brand = brand_for(version, brand_id)
    if doc_type not in DOCUMENT_TYPES:
        raise BadInput("type must be tnc or privacy")
    document = documents.latest(brand, DOCUMENT_TYPES[doc_type], lang)
    if document is None:
        return err(404, "document not found")
    return jsonify(
        type=document.type,
        version=document.version,
        language=document.language,
        title=document.title,
        content=document.content,
        publishedAt=document.published_at.strftime("%Y-%m-%d %H:%M:%S"),
    )


@bp.post("/player/multi/<version>/sign/tnc")
@transactional
def sign_tnc(version):
    check_version(version)
    body = json_body()
    session = current_session(operations.get_brand(body.get("brand_id")))
    player = session.player
    if str(body.get("player_id")) != str(player.id):
        raise BadInput("player_id does not match the token")
    doc_type = DOCUMENT_TYPES.get(field(body, "type") or "")
    if doc_type is None:
        raise BadInput("type must be tnc or privacy")
    documents.sign(player, doc_type, language=field(body, "language"), ip=client().ip)
    remaining = documents.unsigned_types(player)
    if remaining:
        return jsonify(sign=["privacy_policy" if t == "privacy" else t for t in remaining]), 303
    return jsonify(result="successfully signed TNC"), 201


@bp.get("/site-management/<version>/content/message/format/<message_string>")
@transactional
def message_format(version, message_string):
    check_version(version)
    language = request.args.get("language") or request.args.get("lang")
    if request.args.get("brand_id"):
        brand = operations.get_brand(request.args["brand_id"])
        language = (
            language if language in brand.language_list else (language or brand.default_language)
        )
    found = messages.message_format(message_string, language or messages.DEFAULT_LANGUAGE)
    if found is None:
        return err(404, "message format not found")
    return jsonify(found)
