"""The back office under attack. Every /admin route is found in app.url_map (so a new page
or action is covered as soon as it exists) and must refuse, changing nothing: anonymous
visitors, player sessions and disabled admins (sent to the admin login), posts without a
CSRF token or with another session's (400), and each role an action or page does not name
(403). XSS payloads in player and vendor fields on every admin page: test_web_xss.py."""

import re

import pytest

from portal.accounts.models import AdminUser
from portal.admin import users
from portal.extensions import db
from tests.admin_helpers import log_in as admin_log_in
from tests.attack.web_pages import log_in, snapshot
from tests.conftest import csrf_token, page_text

PUBLIC = {"admin.login", "admin.second_factor", "admin.enrol"}
CSRF_REFUSALS = ("The CSRF token is missing.", "The CSRF tokens do not match.")
UNWATCHED = {"admin_session"}  # a request may touch its own session's last_seen_at


def admin_routes(app, method: str) -> list[tuple[str, tuple]]:
    """(path with arguments filled in, roles) of every guarded admin route of `method`."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or rule.endpoint in PUBLIC:
            continue
        if method in rule.methods:
            roles = app.view_functions[rule.endpoint].admin_roles
            found.append((re.sub(r"<[^>]+>", "1", rule.rule), roles))
    return sorted(found)


def _state(app) -> dict:
    return {k: v for k, v in snapshot(app).items() if k not in UNWATCHED}


def _to_login(response) -> bool:
    return response.status_code == 302 and response.location.startswith("/admin/login")


def test_every_admin_route_sends_visitors_and_players_to_the_admin_login(app, make_player):
    make_player(email="victim@example.com", login_name="victim")
    player = log_in(app.test_client(), "victim", "secret123")
    visitor = app.test_client()
    tokens = {
        "player": csrf_token(player.get("/account").get_data(as_text=True)),
        "visitor": csrf_token(visitor.get("/login").get_data(as_text=True)),
    }
    before = _state(app)
    for who, client in (("visitor", visitor), ("player", player)):
        token = tokens[who]  # its own: the post passes CSRF and meets the admin guard
        for path, _ in admin_routes(app, "GET"):
            assert _to_login(client.get(path)), (who, path)
        for path, _ in admin_routes(app, "POST"):
            assert _to_login(client.post(path, data={"csrf_token": token})), (who, path)
    assert _state(app) == before
    assert "victim" in player.get("/account").get_data(as_text=True)  # still a player


def test_a_disabled_admin_gets_no_admin_page(app):
    admin_log_in(app, app.test_client())  # another admin stays active (one must)
    client = app.test_client()
    admin_id = admin_log_in(app, client, "admin", "second@example.com")
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    with app.app_context():
        users.set_active(db.session.get(AdminUser, admin_id), False)
        db.session.commit()
    for path, _ in admin_routes(app, "GET"):
        assert _to_login(client.get(path)), path
    for path, _ in admin_routes(app, "POST"):
        assert _to_login(client.post(path, data={"csrf_token": token})), path


def test_every_admin_post_refuses_a_forged_post(app):
    client = app.test_client()
    admin_log_in(app, client)
    other = app.test_client()
    other_token = csrf_token(other.get("/admin/login").get_data(as_text=True))
    routes = admin_routes(app, "POST")
    assert "/admin/logout" in [path for path, _ in routes]
    before = _state(app)
    for path, _ in routes:
        for forged in ({"reason": "forged"}, {"reason": "forged", "csrf_token": other_token}):
            response = client.post(path, data=forged)
            assert response.status_code == 400, (path, response.status_code)
            assert any(text in page_text(response) for text in CSRF_REFUSALS), path
    assert _state(app) == before
    assert client.get("/admin/").status_code == 200  # the logout was refused too


@pytest.mark.parametrize("role", ["finance", "support"])
def test_each_lower_role_is_refused_what_it_is_not_given(app, role):
    client = app.test_client()
    admin_log_in(app, client, role)
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    before = _state(app)
    refused = 0
    for path, roles in admin_routes(app, "GET"):
        if role not in roles:
            refused += 1
            assert client.get(path).status_code == 403, path
    for path, roles in admin_routes(app, "POST"):
        if role not in roles:
            refused += 1
            response = client.post(path, data={"csrf_token": token, "reason": "not mine"})
            assert response.status_code == 403, (path, response.status_code)
    assert _state(app) == before
    assert refused > 0 or len(admin_routes(app, "POST")) < 3  # (grows with the pages)


NASTY = ("²", "9999-12-31", "99999999999999999999999", "-1", "1e3", "0", " ", "x" * 300)
FILTERS = ("player", "brand", "bet", "coupon", "version", "brand_id", "page", "from", "to",
           "q", "status", "kind", "currency", "amount_from", "amount_to", "sort", "dir",
           "vendor", "direction", "url", "edit", "more", "session_id", "code")  # fmt: skip


def test_odd_query_values_and_ids_never_make_a_server_error(app):
    """Every admin page with each filter set to odd values, and ids no table holds: an
    answer (a page, 400 or 404), never a 500."""
    client = app.test_client()
    admin_log_in(app, client)
    broken = []
    for path, _ in admin_routes(app, "GET"):
        for value in NASTY:
            url = path + "?" + "&".join(f"{name}={value}" for name in FILTERS)
            if client.get(url).status_code >= 500:
                broken.append(url[:120])
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") and rule.arguments and "GET" in rule.methods:
            path = re.sub(r"<[^>]+>", "99999999999999999999999", rule.rule)
            if client.get(path).status_code != 404:
                broken.append(path)
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    for path, _ in admin_routes(app, "POST"):
        if path == "/admin/logout":
            continue
        form = {"csrf_token": token, "reason": "odd", **{name: "²" for name in FILTERS}}
        form |= {"amount": "²", "value": "²", "days": "²", "password_max_length": "²"}
        if client.post(path, data=form).status_code >= 500:
            broken.append("POST " + path)
    assert broken == []
