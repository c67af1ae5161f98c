"""The vendor traffic log's upkeep: calls older than VENDOR_LOG_DAYS are deleted (by the
outbox worker's periodic chores, or `flask traffic prune`)."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete

from portal.extensions import db
from portal.timeutil import utcnow
from portal.traffic.models import VendorCall


def prune(days: int | None = None) -> int:
    """Delete the calls older than `days` (default VENDOR_LOG_DAYS); how many went.
    Flushes only: the caller commits."""
    days = current_app.config["VENDOR_LOG_DAYS"] if days is None else days
    cutoff = utcnow() - timedelta(days=days)
    result = db.session.execute(delete(VendorCall).where(VendorCall.at < cutoff))
    return result.rowcount or 0
