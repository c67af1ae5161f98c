"""Security headers (portal/security.py) and secure cookies (portal/config.py): the rules the
README's "Security headers" section states."""

import pytest

from portal.config import load
from tests.attack.web_pages import csp_directives, nonce_of

JSON_DOORS = [
    ("post", "/gateway/login/1/1/player"),
    ("post", "/betcore/users/data"),
    ("post", "/betsy/user/balance"),
]


def test_html_pages_get_the_policy_with_a_fresh_nonce(make_app, brand_id):
    app = make_app(
        BETCORE_WEBFRAME_URL="https://games.betcore.example/webframe?x=1",
        BETSY_IFRAME_URL="http://127.0.0.1:9999/sandbox/betsy/iframe",
    )
    client = app.test_client()
    first, second = client.get("/casino"), client.get("/casino")
    nonce = nonce_of(first)
    assert csp_directives(first.headers["Content-Security-Policy"]) == {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
        "frame-src": ["'self'", "https://games.betcore.example", "http://127.0.0.1:9999"],
    }
    assert f'<script nonce="{nonce}">' in first.get_data(as_text=True)
    assert nonce_of(second) != nonce
    for response in (first, client.get("/login"), client.get("/no-such-page")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in response.headers  # PUBLIC_URL is http


def test_without_vendor_urls_frames_come_only_from_this_site(client, brand_id):
    policy = csp_directives(client.get("/sportsbook").headers["Content-Security-Policy"])
    assert policy["frame-src"] == ["'self'"]


@pytest.mark.parametrize(("method", "path"), JSON_DOORS)
def test_json_doors_get_nothing_to_run_and_are_not_stored(client, method, path):
    response = getattr(client, method)(path, data="{}", content_type="application/json")
    assert response.mimetype == "application/json"
    assert (
        response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_may_be_cached(client):
    response = client.get("/static/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_view_that_sets_its_own_cache_control_keeps_it(make_app):
    app = make_app()
    app.add_url_rule("/probe", "probe", lambda: ("{}", {"Cache-Control": "max-age=60"}))
    assert app.test_client().get("/probe").headers["Cache-Control"] == "max-age=60"


def test_https_public_url_makes_the_cookie_secure_and_adds_hsts(make_app, brand_id):
    app = make_app(PUBLIC_URL="https://casino.example")
    client = app.test_client()
    response = client.get("/login", base_url="https://casino.example")
    cookie = response.headers["Set-Cookie"]  # the session: it holds the CSRF secret
    assert cookie.startswith("session=") and "; Secure" in cookie and "HttpOnly" in cookie
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_http_public_url_keeps_plain_cookies(client, brand_id):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Secure" not in cookie


def test_an_explicit_setting_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://casino.example")
    assert load(tmp_path)["SESSION_COOKIE_SECURE"] is True
    assert load(tmp_path)["REMEMBER_COOKIE_SECURE"] is True
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "false")
    assert load(tmp_path)["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("PUBLIC_URL", "http://127.0.0.1:5000")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")  # e.g. TLS ends at a proxy
    assert load(tmp_path)["SESSION_COOKIE_SECURE"] is True
    monkeypatch.delenv("SESSION_COOKIE_SECURE")
    assert load(tmp_path)["SESSION_COOKIE_SECURE"] is False
    assert load(tmp_path, {"PUBLIC_URL": "https://x.example"})["SESSION_COOKIE_SECURE"] is True
