"""Domain errors shared by the core packages, and per-door rendering of HTTP errors.

The core raises DomainError subclasses; each door maps them to its own protocol. HTTP-level
errors (404, 405, 413, 429, 500, CSRF) are rendered by the renderer registered for the URL
prefix of the request, so a vendor door never answers with an HTML page.
"""

from collections.abc import Callable

from flask import Flask, make_response, render_template, request
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


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        rendered = _renderer_for_path(request.path)(exc.code or 500, exc.description or exc.name)
        response = make_response(rendered)
        for name, value in exc.get_headers():  # Allow on 405, Retry-After, WWW-Authenticate
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _renderer_for_path(request.path)(500, InternalServerError.description)
