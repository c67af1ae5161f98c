"""`next` survives the steps a player must take first (portal/player/gating.py): terms,
registration step two, a required password change, an unconfirmed email address; the
login's own `next` chains through them; only local paths are followed."""

from urllib.parse import parse_qs, quote, urlsplit

import pytest

from portal.accounts import operations
from portal.extensions import db
from tests.attack.test_web_redirects import TARGETS, stays_on_site
from tests.conftest import page_text, submit_form
from tests.test_player_account_pages import last_link, publish

STEP_TWO = {"first_name": "Ann", "last_name": "Lee", "birthdate": "1990-04-01", "country": "IE"}
DESTINATION = "/wallet/history?kind=stake&page=2"


def log_in(client, next_path=None, password="secret123"):
    url = "/login" + (f"?next={next_path}" if next_path else "")
    data = {"identifier": "player@example.com", "password": password}
    return submit_form(client, url, data)


def next_of(location: str) -> str | None:
    return parse_qs(urlsplit(location).query).get("next", [None])[0]


def take_step(client, location: str, data: dict) -> str:
    """Post the step's form as a browser does (to the page's own URL): where it leads."""
    response = submit_form(client, location, data)
    assert response.status_code == 302, page_text(response)
    return response.headers["Location"]


def test_terms_keep_the_destination(app, client, make_player, brand_id):
    make_player()
    log_in(client)
    publish(app, brand_id)
    gated = client.get(DESTINATION)
    assert urlsplit(gated.headers["Location"]).path == "/terms"
    assert next_of(gated.headers["Location"]) == DESTINATION
    assert take_step(client, gated.headers["Location"], {"accept": "y"}) == DESTINATION
    assert client.get(DESTINATION).status_code == 200


def test_step_two_keeps_the_destination(client, make_player):
    make_player(complete=False)
    log_in(client)
    gated = client.get("/wallet").headers["Location"]
    assert (urlsplit(gated).path, next_of(gated)) == ("/register/details", "/wallet")
    refused = submit_form(client, gated, {"first_name": "Ann"})  # a wrong form keeps it too
    assert refused.status_code == 422
    assert take_step(client, gated, STEP_TWO) == "/wallet"


def test_a_required_password_change_keeps_the_destination(app, client, make_player):
    make_player()
    result = app.test_cli_runner().invoke(
        args=["players", "temporary-password", "1", "--password", "temp9876"]
    )
    assert result.exit_code == 0, result.output
    log_in(client, password="temp9876")
    gated = client.get("/account").headers["Location"]
    assert (urlsplit(gated).path, next_of(gated)) == ("/account/password", "/account")
    data = {"old_password": "temp9876", "new_password": "fresh4567"}
    assert take_step(client, gated, data) == "/account"


def test_the_login_next_chains_through_every_step(app, client, make_player, brand_id):
    make_player(complete=False)
    publish(app, brand_id)
    visitor = client.get("/wallet")
    assert next_of(visitor.headers["Location"]) == "/wallet"  # (Flask-Login: login_view)
    assert log_in(client, "/wallet").headers["Location"] == "/wallet"
    step_two = client.get("/wallet").headers["Location"]
    assert next_of(step_two) == "/wallet"
    back = take_step(client, step_two, STEP_TWO)
    assert back == "/wallet"
    terms = client.get(back).headers["Location"]
    assert (urlsplit(terms).path, next_of(terms)) == ("/terms", "/wallet")
    assert take_step(client, terms, {"accept": "y"}) == "/wallet"
    assert client.get("/wallet").status_code == 200


def test_a_step_passes_the_destination_to_the_next_step(app, client, make_player, brand_id):
    make_player(complete=False)
    log_in(client)
    publish(app, brand_id)
    # a player who opens the terms page with a destination is sent to step two first
    gated = client.get("/terms?next=/wallet").headers["Location"]
    assert (urlsplit(gated).path, next_of(gated)) == ("/register/details", "/wallet")


def test_registration_keeps_the_destination(client, brand_id):
    data = {
        "email": "new@example.com",
        "password": "secret123",
        "currency": "EUR",
        "over18": "y",
        "accept_terms": "y",
    }
    assert submit_form(client, "/register?next=/wallet", data).headers["Location"] == "/wallet"
    gated = client.get("/wallet").headers["Location"]
    assert (urlsplit(gated).path, next_of(gated)) == ("/register/details", "/wallet")


@pytest.mark.parametrize("encoded", [True, False], ids=["encoded", "raw"])
def test_only_local_destinations_are_followed(app, make_player, brand_id, encoded):
    """Every disguise of tests/attack/test_web_redirects.py, through a step."""
    make_player()
    for target in [t for t in TARGETS if "\x00" not in t]:  # (NUL: refused as 400)
        publish(app, brand_id)  # (a new version each time: to accept again)
        client = app.test_client()
        log_in(client)
        step = "/terms?next=" + (quote(target, safe="") if encoded else target)
        gated = client.get("/wallet?next=" + (quote(target, safe="") if encoded else target))
        assert stays_on_site(gated.headers["Location"]), target
        landing = submit_form(client, step, {"accept": "y"}).headers["Location"]
        assert stays_on_site(landing), (target, landing)


def test_a_script_poll_is_not_a_destination(app, client, make_player, brand_id):
    make_player()
    log_in(client)
    publish(app, brand_id)
    gated = client.get("/wallet", headers={"Accept": "application/json"})
    assert gated.headers["Location"] == "/terms"


@pytest.fixture
def strict_site(make_app, make_brand):
    strict_id = make_brand(name="Strict", require_verified_email=True)
    app = make_app(SITE_BRAND_ID=strict_id)
    with app.app_context():
        operations.register_player(
            operations.get_brand(strict_id),
            email="fresh@example.com",
            password="secret123",
            over18=True,
            complete=True,
        )
        db.session.commit()
    return app


def test_an_unconfirmed_address_keeps_the_destination(strict_site):
    app = strict_site
    client = app.test_client()
    submit_form(client, "/login", {"identifier": "fresh@example.com", "password": "secret123"})
    gated = client.get("/account").headers["Location"]
    assert (urlsplit(gated).path, next_of(gated)) == ("/verify-email-required", "/account")
    # sending the link again comes back to the same page with the destination
    page = client.get(gated).get_data(as_text=True)
    resent = submit_form(client, "/account/resend-activation?next=/account", {}, page=gated)
    assert resent.headers["Location"] == gated
    assert "resend-activation?next=/account" in page
    # the mailed link, used in the same browser, offers the way on
    link = last_link(app, "fresh@example.com", "/verify-email")
    done = submit_form(client, link, {})
    assert done.status_code == 200
    assert 'href="/account"' in done.get_data(as_text=True)
    # and the reminder page, opened again, goes on by itself
    assert client.get(gated).headers["Location"] == "/account"
