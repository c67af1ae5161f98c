"""Security headers on every response (the README's "Security headers" section).

- HTML gets a Content-Security-Policy with a fresh nonce per request: scripts run only from
  this site or with the nonce (templates call ``csp_nonce()``), nothing inline is allowed
  (no ``unsafe-inline`` for scripts or styles), the vendors' frames (the origins of
  BETCORE_WEBFRAME_URL and BETSY_IFRAME_URL) may be embedded, and only this site may frame
  our pages. Anything else (the JSON doors, static files) gets ``default-src 'none'``.
- ``Cache-Control: no-store`` on every response but /static: pages name the player, show
  balances and carry CSRF tokens, and the JSON doors answer with personal data. A view that
  sets its own Cache-Control keeps it.
- HSTS when PUBLIC_URL is https (the session cookie is Secure then too, see config.py).
"""

import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request

HSTS = "max-age=31536000"
NON_HTML_POLICY = "default-src 'none'; frame-ancestors 'none'"
FRAME_SETTINGS = ("BETCORE_WEBFRAME_URL", "BETSY_IFRAME_URL")


def csp_nonce() -> str:
    """This request's nonce (the same for every call during one request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def frame_sources() -> list[str]:
    """'self' (the local stand-ins and the "unavailable" pages) and the vendors' origins."""
    sources = ["'self'"]
    for name in FRAME_SETTINGS:
        parts = urlsplit(current_app.config.get(name) or "")
        if parts.scheme in ("http", "https") and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in sources:
                sources.append(origin)
    return sources


def html_policy() -> str:
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{csp_nonce()}'",
        "style-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'self'",
        "frame-src": " ".join(frame_sources()),
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def add_security_headers(response):
    headers = response.headers
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", html_policy())
    else:
        headers.setdefault("Content-Security-Policy", NON_HTML_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static" and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    if current_app.config["PUBLIC_URL"].startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_security_headers)
