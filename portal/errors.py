"""Domain errors shared by the core packages, and per-door rendering of HTTP errors.

The core raises DomainError subclasses; each door maps them to its own protocol. HTTP-level
errors (404, 405, 413, 429, 500, CSRF) are rendered by the renderer registered for the URL
prefix of the request, so a vendor door never answers with an HTML page.
"""

import math
import time
from collections.abc import Callable

from flask import Flask, make_response, render_template, request
from flask_babel import ngettext
from werkzeug.exceptions import HTTPException, InternalServerError


class DomainError(Exception):
    """A rule of the core said no. `keeps_changes`: commit what was written before the error
    (e.g. the record of a failed login) instead of rolling it back."""

    keeps_changes = False


# prefix -> renderer(status_code, description) -> response
_renderers: dict[str, Callable] = {}


def register_error_renderer(prefix: str, renderer: Callable) -> None:
    _renderers[prefix] = renderer


def _renderer_for_path(path: str) -> Callable:
    for prefix, renderer in _renderers.items():
        if path == prefix or path.startswith(prefix + "/"):
            return renderer
    return _render_html


def _render_html(status: int, description: str):
    return render_template("errors/error.html", status=status, description=description), status


def page_words(exc: HTTPException) -> str:
    """What a player page says about a refused request, in the page's language: the
    portal's own reason where the code gave one (marked for translation where raised),
    else a sentence for the status (the framework's descriptions are English and
    technical)."""
    from flask_babel import gettext as _
    from flask_wtf.csrf import CSRFError

    if isinstance(exc, CSRFError):
        return _(
            "The form has expired or did not come from this site. Please open the page again "
            "and retry."
        )
    if exc.description and exc.description != type(exc).description:
        return str(exc.description)
    words = {
        403: _("You cannot open this page."),
        404: _("This page does not exist, or it is not yours to see."),
        405: _("This page cannot be used that way."),
        413: _("What you sent is too large."),
    }
    return words.get(exc.code, _("The request could not be accepted. Please go back and retry."))


def wait_seconds(exc: HTTPException) -> int | None:
    """How long a refused client (429) must wait: the login limit's own figure, else the
    reset of the Flask-Limiter window that refused the request."""
    if exc.code != 429:
        return None
    if found := getattr(exc, "wait_seconds", None):
        return found
    from portal.extensions import limiter  # (the extensions import the models' modules)

    current = limiter.current_limit
    if current is None or not current.breached:
        return None
    return max(1, math.ceil(current.reset_at - time.time()))


def try_again_in(seconds: int) -> str:
    """'Please try again in 45 seconds' / 'in 2 minutes' / 'in 3 hours' (rounded up)."""
    if seconds <= 90:
        return ngettext(
            "Please try again in %(num)d second.", "Please try again in %(num)d seconds.", seconds
        )
    if seconds < 3600:
        minutes = math.ceil(seconds / 60)
        return ngettext(
            "Please try again in %(num)d minute.", "Please try again in %(num)d minutes.", minutes
        )
    hours = math.ceil(seconds / 3600)
    return ngettext(
        "Please try again in %(num)d hour.", "Please try again in %(num)d hours.", hours
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        renderer = _renderer_for_path(request.path)
        description = exc.description or exc.name
        wait = wait_seconds(exc)
        if wait is not None and renderer is _render_html:  # (words instead of "10 per 1 minute")
            description = try_again_in(wait)
        elif renderer is _render_html:
            description = page_words(exc)
        response = make_response(renderer(exc.code or 500, description))
        for name, value in exc.get_headers():  # Allow on 405, Retry-After, WWW-Authenticate
            if name.lower() != "content-type":
                response.headers[name] = value
        if wait is not None and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _renderer_for_path(request.path)(500, InternalServerError.description)
