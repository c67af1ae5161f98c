"""Writing and verifying the chain.

Each entry's hash is an HMAC-SHA256 (key: AUDIT_KEY, else SECRET_KEY) over its fields and
the previous entry's hash, and entries are numbered 1, 2, 3… without gaps. An edited entry
no longer matches its hash; a deleted one leaves a gap (and the next entry's previous hash
points to nothing); deleting the newest entries leaves the head (audit_head) ahead of the
log. Whoever can write the database but lacks the key cannot forge a consistent chain.
"""

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.audit.models import AuditEntry, AuditHead
from portal.extensions import db
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

GENESIS = "0" * 64
HASHED = (
    "seq", "at", "actor_kind", "actor", "admin_id", "role", "action", "target_type",
    "target_id", "before", "after", "reason", "ip", "prev_hash",
)  # fmt: skip


@dataclass(frozen=True)
class Actor:
    kind: str  # admin | cli | system
    name: str
    admin_id: int | None = None
    role: str | None = None
    ip: str | None = None


def to_json(value) -> str | None:
    """A before/after value as stored: JSON with sorted keys (Decimal, dates as text)."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def record(
    actor: Actor,
    action: str,
    *,
    target_type: str | None = None,
    target_id=None,
    before=None,
    after=None,
    reason: str | None = None,
) -> AuditEntry:
    """Append an entry in the caller's unit of work (it commits with the action)."""
    head = _locked_head()
    entry = AuditEntry(
        seq=head.seq + 1,
        at=utcnow(),
        actor_kind=actor.kind,
        actor=actor.name[:254],
        admin_id=actor.admin_id,
        role=actor.role,
        action=action[:80],
        target_type=target_type,
        target_id=None if target_id is None else str(target_id)[:64],
        before=to_json(before),
        after=to_json(after),
        reason=(reason or None) and reason[:500],
        ip=actor.ip,
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(entry)
    head.seq, head.hash = entry.seq, entry.hash
    db.session.add(entry)
    db.session.flush()
    return entry


def _locked_head() -> AuditHead:
    """The head row, locked until the caller's commit. A missing head (a new database, or
    someone deleted it) is made from the newest entry, so the log goes on; `verify`
    reports a missing head while it is missing, and the warning is logged."""
    head = _select_head()
    if head is not None:
        return head
    newest = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if newest is not None:
        log.warning("audit log: the chain's head was missing; made from entry %d", newest.seq)
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    values = (
        dict(id=1, seq=newest.seq, hash=newest.hash) if newest else dict(id=1, seq=0, hash=GENESIS)
    )
    db.session.execute(insert(AuditHead).values(**values).on_conflict_do_nothing())
    return _select_head()


def _select_head() -> AuditHead | None:
    return db.session.scalars(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()  # fmt: skip


def entry_hash(entry: AuditEntry) -> str:
    fields = []
    for name in HASHED:
        value = getattr(entry, name)
        fields.append(value.isoformat() if isinstance(value, datetime) else value)
    message = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def _key() -> bytes:
    config = current_app.config
    key = config.get("AUDIT_KEY") or config["SECRET_KEY"]
    return key.encode() if isinstance(key, str) else key


def verify() -> tuple[int, list[str]]:
    """(entries read, problems found): every edited entry, every gap, a moved head."""
    problems, expected, previous, count = [], 1, GENESIS, 0
    rows = db.session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=500)
    )
    for entry in rows:
        count += 1
        if entry.seq != expected:
            missing = f"{expected}" if entry.seq == expected + 1 else f"{expected}-{entry.seq - 1}"
            problems.append(f"entry {missing} deleted (the log jumps to {entry.seq})")
        elif entry.prev_hash != previous:
            problems.append(f"entry {entry.seq} does not follow entry {entry.seq - 1}")
        if entry_hash(entry) != entry.hash:
            problems.append(f"entry {entry.seq} was changed (its hash does not match)")
        expected, previous = entry.seq + 1, entry.hash
    head = db.session.get(AuditHead, 1)
    if head is None and count:
        problems.append("the chain's head is missing (the newest entries may be deleted)")
    elif head is not None and (head.seq, head.hash) != (expected - 1, previous):
        problems.append(
            f"entries {expected}-{head.seq} deleted (the newest entry is {expected - 1})"
            if head.seq >= expected
            else f"the chain's head (entry {head.seq}) does not match the log"
        )
    return count, problems
