"""Terms and conditions (tnc) and privacy policy: published versions and signatures.

A brand publishes numbered versions of each type, each in one or more languages. A player
must have signed the latest published version of every type the brand has published;
publishing a new version therefore asks every player to accept again.
"""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.errors import FieldError, ValidationFailed
from portal.accounts.models import Brand, Document, Player, Signature
from portal.extensions import db

TYPES = ("tnc", "privacy")
TITLE_MAX = 200
CONTENT_MAX = 200_000


def publish(
    brand: Brand,
    doc_type: str,
    *,
    language: str,
    title: str,
    content: str,
    version: int | None = None,
) -> Document:
    """Publish a document; without `version`, a new version (latest + 1)."""
    errors = []
    if doc_type not in TYPES:
        errors.append(FieldError("type", "document_type_invalid"))
    if language not in brand.language_list:
        errors.append(FieldError("language", "language_invalid"))
    if not title.strip() or len(title) > TITLE_MAX:
        errors.append(FieldError("title", "title_invalid"))
    if not content.strip() or len(content) > CONTENT_MAX:
        errors.append(FieldError("content", "content_invalid"))
    if errors:
        raise ValidationFailed(errors)
    if version is None:
        version = (latest_version(brand, doc_type) or 0) + 1
    elif db.session.scalar(
        select(Document.id).where(
            Document.brand_id == brand.id,
            Document.type == doc_type,
            Document.version == version,
            Document.language == language,
        )
    ):
        raise ValidationFailed([FieldError("version", "version_already_published")])
    document = Document(
        brand_id=brand.id,
        type=doc_type,
        version=version,
        language=language,
        title=title.strip(),
        content=content,
    )
    db.session.add(document)
    db.session.flush()
    return document


def latest_version(brand: Brand, doc_type: str) -> int | None:
    return db.session.scalar(
        select(func.max(Document.version)).where(
            Document.brand_id == brand.id, Document.type == doc_type
        )
    )


def latest(brand: Brand, doc_type: str, language: str) -> Document | None:
    """The latest version, in `language` if it exists in it, else in the brand's default."""
    version = latest_version(brand, doc_type)
    if version is None:
        return None
    found = {
        d.language: d
        for d in db.session.scalars(
            select(Document).where(
                Document.brand_id == brand.id,
                Document.type == doc_type,
                Document.version == version,
            )
        )
    }
    return found.get(language) or found.get(brand.default_language) or next(iter(found.values()))


def versions(brand: Brand, doc_type: str, language: str) -> list[Document]:
    """Every published version of a document type, newest first, one per version: in
    `language` where it exists, else in the brand's default language, else any."""
    chosen: dict[int, Document] = {}
    rank = {language: 0, brand.default_language: 1}
    query = select(Document).where(Document.brand_id == brand.id, Document.type == doc_type)
    for document in db.session.scalars(query):
        held = chosen.get(document.version)
        if held is None or rank.get(document.language, 2) < rank.get(held.language, 2):
            chosen[document.version] = document
    return [chosen[v] for v in sorted(chosen, reverse=True)]


def unsigned_types(player: Player) -> list[str]:
    """The document types whose latest version the player has not signed, in TYPES order."""
    signed = {
        (s.type, s.version)
        for s in db.session.scalars(select(Signature).where(Signature.player_id == player.id))
    }
    return [
        doc_type
        for doc_type in TYPES
        if (version := latest_version(player.brand, doc_type)) is not None
        and (doc_type, version) not in signed
    ]


def sign(player: Player, doc_type: str, *, language: str, ip: str | None = None) -> None:
    """Record the player's acceptance of the latest version of `doc_type` (idempotent)."""
    if doc_type not in TYPES:
        raise ValidationFailed([FieldError("type", "document_type_invalid")])
    version = latest_version(player.brand, doc_type)
    if version is None:
        raise ValidationFailed([FieldError("type", "document_not_published")])
    if language not in player.brand.language_list:
        language = player.language
    exists = db.session.scalar(
        select(Signature.id).where(
            Signature.player_id == player.id,
            Signature.type == doc_type,
            Signature.version == version,
        )
    )
    if not exists:
        try:
            with db.session.begin_nested():
                db.session.add(
                    Signature(
                        player_id=player.id,
                        type=doc_type,
                        version=version,
                        language=language,
                        ip=ip,
                    )
                )
        except IntegrityError:
            pass  # signed at the same moment by a twin request: signed is signed


def sign_all(player: Player, *, language: str, ip: str | None = None) -> None:
    for doc_type in unsigned_types(player):
        sign(player, doc_type, language=language, ip=ip)
