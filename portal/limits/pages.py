"""The player's responsible-gambling page, and the restricted mode of an excluded player.

GET /responsible-gambling: the player's limits (with any raise or removal waiting for its
cooling-off), a form per kind of limit, time-out, self-exclusion and account closure, the
exclusion that applies and the history of changes; visitors see what each tool does.
POST /responsible-gambling (CSRF): the hidden field `action` names the form: `limit`
(`kind`, `period`, `currency`, `value`, `do` set | remove), `timeout` and `self-exclusion`
(`duration`, `confirm`, optional `reason`), `closure` (`reason`, `confirm`), `reopen`.
An exclusion ends the player's sessions: the answer logs them out and shows the login page.

While an exclusion applies the player may log in on the web, but only the pages of
OPEN_WHILE_EXCLUDED answer: the others send them here (withdrawing stays possible).
"""

from datetime import datetime

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal import i18n
from portal.database import commit, rollback, transactional
from portal.i18n import N_
from portal.limits import operations, rules, words
from portal.limits.operations import WORDS, LimitInvalid
from portal.player.blueprint import bp, site_brand
from portal.player.forms import ButtonForm
from portal.player.gating import ALWAYS_OPEN, RESOLVED_BY
from portal.timeutil import utcnow

OPEN_WHILE_EXCLUDED = {
    "player.responsible_gambling",
    "player.document",
    "player.cashier",  # (the deposit form is hidden; posting it is sent here)
    "player.withdraw",
    "player.cancel_withdrawal",
    "player.wallet",
    "player.switch_currency",
    "player.history",
    "player.casino_round",  # the history's rows link a bet's page: reading it stays open
    "player.sports_bet",
    "player.coupon",
    "player.account",
    "player.change_password",
    "player.acknowledge_reality_check",
    *ALWAYS_OPEN,  # logout, email confirmation ...
    *RESOLVED_BY.values(),  # what a player must do first (terms, details) stays reachable
}


def excluded_now(player) -> bool:
    return rules.player_excluded(player, utcnow())


@bp.before_app_request
def restrict_excluded_players():
    """An excluded player's other pages send them to the responsible-gambling page."""
    if request.blueprint != "player" or not current_user.is_authenticated:
        return None
    if request.endpoint in OPEN_WHILE_EXCLUDED or not excluded_now(current_user.player):
        return None
    return redirect(url_for("player.responsible_gambling"))


def restricted_mode_start(player):
    """After an excluded player's web login: the page that says why and until when (None:
    the player is not excluded)."""
    if not excluded_now(player):
        return None
    flash(words.restriction_notice(player), "warning")
    return redirect(url_for("player.responsible_gambling"))


@bp.app_context_processor
def restricted_mode():
    """`restricted`: the header leaves out play, the cashier its deposit form."""
    if not getattr(current_user, "is_authenticated", False):  # (no user when mails render)
        return {}
    return {"restricted": excluded_now(current_user.player)}


@bp.route("/responsible-gambling", methods=["GET", "POST"])
@transactional
def responsible_gambling():
    if not current_user.is_authenticated:
        if request.method == "POST":
            return redirect(url_for("player.login", next=url_for("player.responsible_gambling")))
        return render_template("limits/responsible_gambling.html", brand=site_brand())
    if request.method == "GET":
        return _page()
    action = request.form.get("action", "")
    handler = ACTIONS.get(action)
    if handler is None:
        return _page(failed="form", errors=[_("Choose one of the forms on this page.")]), 422
    try:
        return handler(current_user.player, request.form)
    except LimitInvalid as exc:
        rollback()  # (nothing was written: the core checks before it writes)
        failed = action
        if action == "limit":
            kind = request.form.get("kind")
            failed = f"limit-{kind}" if kind in rules.KINDS else "form"
        return _page(failed=failed, errors=[_words(exc)]), 422


def _words(exc: LimitInvalid) -> str:
    said = _({**WORDS, **PAGE_WORDS}.get(exc.code, PAGE_WORDS["other"]))
    if exc.code == "already_excluded":
        if exc.detail == "indefinite":
            said += " " + _("It has no end date.")
        else:
            said += " " + _("It applies until %(when)s.", when=_moment(exc.detail))
    elif exc.code == "not_ended":
        said += " " + _("It ends on %(when)s.", when=_moment(exc.detail))
    return said


def _moment(detail: str) -> str:
    """The core's moment in a refusal ("2026-12-01 13:00 UTC"), as the page says times."""
    try:
        moment = datetime.strptime(detail, "%Y-%m-%d %H:%M UTC")
    except ValueError:
        return detail
    return words.when(moment)


PAGE_WORDS = {
    "confirm": N_("Please tick the box to confirm that you understand."),
    "nothing_to_remove": N_("You have no such limit to remove."),
    "other": N_("This cannot be done."),
}


def _set_limit(player, form):
    kind = form.get("kind", "")
    period = form.get("period", "")
    currency = form.get("currency", "")
    if form.get("do") == "remove":
        if not any(
            (v.kind, v.period, v.currency) == (kind, period, currency)
            for v in operations.limits_of(player)
        ):
            raise LimitInvalid("nothing_to_remove")
        value = None
    else:
        value = operations.parse_value(kind, currency, i18n.typed_amount(form.get("value")))
    view = operations.set_limit(player, kind, period, currency, value)
    flash(words.saved(view), "success")
    return redirect(url_for("player.responsible_gambling", _anchor="limits"))


def _exclude(kind):
    def handler(player, form):
        if form.get("confirm") != "y":
            raise LimitInvalid("confirm")
        operations.exclude(player, kind, form.get("duration"), reason=form.get("reason"))
        notice = words.restriction_notice(player)
        commit()  # (before the log-out: a re-run request would find nobody logged in)
        logout_user()  # (the core has revoked the player's sessions)
        session.clear()
        flash(_("You are logged out. %(notice)s", notice=notice), "warning")
        return redirect(url_for("player.login"))

    return handler


def _reopen(player, _form):
    exclusion = operations.ask_reopen(player)
    flash(
        _("Thank you. Your account reopens on %(when)s.", when=words.when(exclusion.reopen_at)),
        "success",
    )
    return redirect(url_for("player.responsible_gambling"))


ACTIONS = {
    "limit": _set_limit,
    rules.TIMEOUT: _exclude(rules.TIMEOUT),
    rules.SELF_EXCLUSION: _exclude(rules.SELF_EXCLUSION),
    rules.CLOSURE: _exclude(rules.CLOSURE),
    "reopen": _reopen,
}


def _page(*, failed: str = "", errors=()):
    player = current_user.player
    exclusion = operations.current_exclusion(player)
    return render_template(
        "limits/responsible_gambling.html",
        player=player,
        limits=operations.limits_of(player),
        changes=operations.history(player),
        exclusion=exclusion,
        may_reopen=exclusion is not None and not operations.reopen_refusal(exclusion, utcnow()),
        notice=words.restriction_notice(player) if exclusion is not None else "",
        currencies=player.brand.currency_list,
        durations={k: list(v) for k, v in rules.DURATIONS.items()},
        rules=rules,
        words=words,
        failed=failed,
        errors=list(errors),
        values=request.form if failed else {},
        form=ButtonForm(),
    )
