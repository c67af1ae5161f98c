"""The audit log page: every entry, filtered by who, what, which target and when."""

from flask import render_template, request
from sqlalchemy import select

from portal.admin.args import day, day_after
from portal.admin.blueprint import page
from portal.admin.paging import paginate
from portal.audit.models import AuditEntry


@page("/audit")
def audit_log():
    query = select(AuditEntry)
    args = request.args
    if args.get("actor"):
        query = query.where(AuditEntry.actor.contains(args["actor"].strip().lower()))
    if args.get("action"):
        query = query.where(AuditEntry.action.startswith(args["action"].strip()))
    if args.get("target_type"):
        query = query.where(AuditEntry.target_type == args["target_type"].strip())
    if args.get("target_id"):
        query = query.where(AuditEntry.target_id == args["target_id"].strip())
    if args.get("kind") in ("admin", "cli", "system"):
        query = query.where(AuditEntry.actor_kind == args["kind"])
    if (start := day("from")) is not None:
        query = query.where(AuditEntry.at >= start)
    if (end := day("to")) is not None:
        query = query.where(AuditEntry.at < day_after(end))
    sorts = {"seq": AuditEntry.seq, "actor": AuditEntry.actor, "action": AuditEntry.action}
    entries = paginate(query, sorts, "seq")
    return render_template("admin/audit.html", entries=entries)
