"""The admin blueprint and its one access rule.

Every admin view is declared with `page` (GET) or `action` (POST) and the roles that may
use it: the view then runs in one transaction (database.transactional) after its admin
session (cookie `portal_admin`, path /admin) is resolved and the admin's role checked:
no session or a half-open one (password given, second factor not yet) → the login page;
a role not named → 403. Reading pages are open to every role (`READ`); an action names
its roles. `public` is for the login steps only.
"""

import hashlib
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)

from portal.admin import sessions
from portal.admin.users import ROLES
from portal.audit import chain
from portal.audit.actors import current_actor
from portal.database import transactional
from portal.extensions import limiter, login_rate_limit

bp = Blueprint("admin", __name__, url_prefix="/admin")

READ = ROLES  # every admin reads every page
FINANCE = ("admin", "finance")
SUPPORT = ("admin", "support")
ADMIN = ("admin",)


def page(rule: str, *, roles=READ, methods=("GET",), endpoint: str | None = None):
    """Register a view for admins of `roles` (see the module's docstring)."""

    def decorate(view):
        def guarded(*args, **kwargs):
            session = sessions.resolve(request.cookies.get(sessions.COOKIE))
            if session is None or session.second_factor_at is None:
                return redirect(url_for("admin.login", next=_here()))
            g.admin, g.admin_session = session.admin, session
            if session.admin.role not in roles:
                abort(403, "Your role does not allow this.")
            return view(*args, **kwargs)

        guarded.__name__ = view.__name__
        guarded.__doc__ = view.__doc__
        wrapped = transactional(guarded)
        wrapped.admin_roles = tuple(roles)
        bp.add_url_rule(rule, endpoint or view.__name__, wrapped, methods=list(methods))
        return view

    return decorate


def action(rule: str, *, roles, endpoint: str | None = None):
    """A POST that changes something (CSRF-checked like every form)."""
    return page(rule, roles=roles, methods=("POST",), endpoint=endpoint)


CODE_ATTEMPTS = "5 per 15 minutes"  # second-factor codes tried by one half-open session


def public(rule: str, *, methods=("GET",), limited: bool = False, code: bool = False):
    """The login steps: no admin session needed; POSTs rate-limited with `limited` (per
    client, LOGIN_RATE_LIMIT) and, for a code step (`code`), per half-open session too,
    so codes cannot be guessed from many addresses with one password."""

    def decorate(view):
        wrapped = transactional(view)
        if code:
            wrapped = limiter.limit(
                CODE_ATTEMPTS, key_func=_session_key, scope="admin-code", methods=["POST"]
            )(wrapped)
        if limited:
            wrapped = limiter.limit(login_rate_limit, scope="admin-login", methods=["POST"])(
                wrapped
            )
        wrapped.admin_roles = ()
        bp.add_url_rule(rule, view.__name__, wrapped, methods=list(methods))
        return view

    return decorate


def audit(action_name: str, *, target_type=None, target_id=None, before=None, after=None,
          reason=None):  # fmt: skip
    """Write the admin's action to the audit log, in the action's own transaction."""
    return chain.record(
        current_actor(),
        action_name,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
        reason=reason,
    )


def required_reason() -> str:
    """The form's `reason` (every action asks for one): 400 when empty."""
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        abort(400, "Give a reason for this action.")
    if len(reason) > 500:
        abort(400, "The reason can have at most 500 characters.")
    return reason


def _session_key() -> str:
    token = request.cookies.get(sessions.COOKIE) or ""
    return "admin-session:" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _here() -> str:
    return request.full_path.rstrip("?") if request.method == "GET" else url_for("admin.home")


def safe_next(target: str | None) -> str:
    """`target` when it is a local /admin path, else the dashboard."""
    if target and target.startswith("/admin") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("admin.home")


# The navigation: each page group's index endpoint, shown once its module is loaded.
SECTIONS = (
    ("admin.home", "Dashboard"),
    ("admin.players", "Players"),
    ("admin.money", "Money"),
    ("admin.bets", "Bets"),
    ("admin.traffic", "Vendor traffic"),
    ("admin.content", "Content"),
    ("admin.settings", "Settings"),
    ("admin.audit_log", "Audit log"),
    ("admin.admin_users", "Admin users"),
)


@bp.app_context_processor
def admin_context():
    if not has_request_context() or request.blueprint != "admin":
        return {}
    admin = g.get("admin")
    views = current_app.view_functions
    sections = [
        (endpoint, label)
        for endpoint, label in SECTIONS
        if endpoint in views and admin is not None and admin.role in views[endpoint].admin_roles
    ]
    return {"admin_user": admin, "admin_sections": sections}


def render_http_error(status: int, description: str):
    return render_template("admin/error.html", status=status, description=description), status
