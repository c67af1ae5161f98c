"""Content: the brands' terms and privacy versions (list, read, publish a new one through
portal.accounts.documents, as `flask documents publish` does) and who accepted which
version (the signatures)."""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal.accounts import documents
from portal.accounts.errors import ValidationFailed
from portal.accounts.models import Brand, Document, Player, Signature
from portal.admin import args
from portal.admin.blueprint import ADMIN, action, audit, page, required_reason
from portal.admin.paging import paginate
from portal.admin.refusals import form_int, refuse
from portal.extensions import db


def _brands() -> list[Brand]:
    return list(db.session.scalars(select(Brand).order_by(Brand.id)))


_arg_int = args.arg_number


@page("/content")
def content():
    """The published documents, newest first, filtered by brand, type and language."""
    query = select(Document, Brand.name).join(Brand, Brand.id == Document.brand_id)
    if (brand_id := _arg_int("brand_id")) is not None:
        query = query.where(Document.brand_id == brand_id)
    if request.args.get("type") in documents.TYPES:
        query = query.where(Document.type == request.args["type"])
    if request.args.get("language"):
        query = query.where(Document.language == request.args["language"].strip().lower())
    sorts = {
        "published": Document.published_at,
        "version": Document.version,
        "brand": Document.brand_id,
        "type": Document.type,
    }
    found = paginate(query, sorts, "published", scalars=False)
    return render_template(
        "admin/content.html", documents=found, brands=_brands(), types=documents.TYPES
    )


@page("/content/documents/<int:document_id>")
def content_document(document_id: int):
    document = db.get_or_404(Document, document_id)
    signed = db.session.scalar(
        select(db.func.count(Signature.id))
        .join(Player, Player.id == Signature.player_id)
        .where(
            Player.brand_id == document.brand_id,
            Signature.type == document.type,
            Signature.version == document.version,
        )
    )
    brand = db.session.get(Brand, document.brand_id)
    return render_template("admin/document.html", document=document, brand=brand, signed=signed)


@action("/content/documents", roles=ADMIN)
def content_publish():
    """Publish a document: a new version (everyone accepts again), or with `version` the
    same version in another language."""
    reason = required_reason()
    brand = db.session.get(Brand, form_int("brand_id"))
    if brand is None:
        refuse(LookupError("No such brand."))
    doc_type = request.form.get("type", "")
    before = documents.latest_version(brand, doc_type) if doc_type in documents.TYPES else None
    try:
        document = documents.publish(
            brand,
            doc_type,
            language=(request.form.get("language") or "").strip().lower(),
            title=request.form.get("title") or "",
            content=(request.form.get("content") or "").replace("\r\n", "\n"),
            version=form_int("version", required=False),
        )
    except ValidationFailed as exc:
        refuse(exc)
    audit(
        "document.publish",
        target_type="document",
        target_id=document.id,
        before={"brand_id": brand.id, "type": document.type, "latest_version": before},
        after={
            "brand_id": brand.id,
            "type": document.type,
            "version": document.version,
            "language": document.language,
            "title": document.title,
        },
        reason=reason,
    )
    flash(f"{document.type} version {document.version} ({document.language}) published.",
          "success")  # fmt: skip
    return redirect(url_for("admin.content_document", document_id=document.id))


@page("/content/signatures")
def content_signatures():
    """Who accepted which version: filtered by brand, type, version and player."""
    query = select(Signature, Player.email, Player.brand_id).join(
        Player, Player.id == Signature.player_id
    )
    if (brand_id := _arg_int("brand_id")) is not None:
        query = query.where(Player.brand_id == brand_id)
    if request.args.get("type") in documents.TYPES:
        query = query.where(Signature.type == request.args["type"])
    if (version := _arg_int("version")) is not None:
        query = query.where(Signature.version == version)
    player = request.args.get("player", "").strip()
    if (player_id := args.number(player)) is not None:
        query = query.where(Signature.player_id == player_id)
    elif player:
        query = query.where(Player.email_key.contains(player.lower()))
    sorts = {"signed": Signature.signed_at, "version": Signature.version, "player": Player.email}
    found = paginate(query, sorts, "signed", scalars=False)
    return render_template(
        "admin/signatures.html", signatures=found, brands=_brands(), types=documents.TYPES
    )
