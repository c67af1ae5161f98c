"""CSRF: every POST route of the HTML doors (found in app.url_map through
tests/attack/web_pages.py, so a new form is covered as soon as it exists), posted by a
logged-in player without a csrf_token or with one from another session, is refused with
400 and changes nothing in the database. The same post with the player's own token is not
refused for CSRF, which shows the forged posts reached the real route."""

import re

import pytest
from bs4 import BeautifulSoup

from tests.attack.web_pages import crawl, html_rules, log_in, snapshot, start_urls
from tests.conftest import csrf_token, page_text

CSRF_REFUSALS = (
    "The CSRF token is missing.",  # (the back office)
    "The CSRF tokens do not match.",
    "The form has expired or did not come from this site.",  # (the player pages)
)


@pytest.fixture
def player(make_player, brand_id):
    make_player(email="victim@example.com", login_name="victim")
    return ("victim", "secret123")


def post_routes(app) -> list[str]:
    """Every POST route of the HTML doors, with its arguments filled in (an id of 1)."""
    rules = html_rules(app, methods=("POST",))
    return sorted(re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", rule.rule) for rule in rules)


def form_fields(pages: dict) -> dict[str, dict]:
    """The fields (name -> value) of each POST form the pages show, by action path."""
    forms = {}
    for url, response in pages.items():
        if response.mimetype != "text/html":
            continue
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        for form in soup.find_all("form", method="post"):
            action = (form.get("action") or url).split("?")[0]
            fields = {
                field["name"]: field.get("value", "x")
                for field in form.find_all(["input", "select", "textarea"])
                if field.get("name") and field["name"] != "csrf_token"
            }
            forms.setdefault(action, fields)
    return forms


def test_every_post_route_refuses_a_forged_post(app, player):
    victim = log_in(app.test_client(), *player)
    forms = form_fields(crawl(victim, start_urls(app)))
    other_token = csrf_token(app.test_client().get("/login").get_data(as_text=True))
    routes = post_routes(app)
    assert {"/logout", "/account", "/wallet/currency", "/login"} <= set(routes)
    before = snapshot(app)
    for path in routes:
        data = forms.get(path, {})
        for forged in (data, {**data, "csrf_token": other_token}):
            response = victim.post(path, data=forged)
            assert response.status_code == 400, (path, response.status_code)
            assert any(text in page_text(response) for text in CSRF_REFUSALS), path
    after = snapshot(app)
    changed = [table for table in before if before[table] != after[table]]
    assert not changed, f"forged posts changed {changed}"
    assert "victim" in victim.get("/account").get_data(as_text=True)  # the logout was refused

    # The control: with the player's own token, the same posts pass the CSRF check.
    token = csrf_token(victim.get("/account").get_data(as_text=True))
    for path in sorted(routes, key=lambda path: path == "/logout"):  # log out last
        response = victim.post(path, data={**forms.get(path, {}), "csrf_token": token})
        assert not any(text in page_text(response) for text in CSRF_REFUSALS), path
