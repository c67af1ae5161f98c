"""Mail-link tokens used when they should no longer work: expired, reused, superseded.

Already covered elsewhere, not repeated: a reset link reused, expired or superseded
through the gateway (tests/test_gateway_admission.py); reused and expired on the pages
(tests/test_player_account_pages.py); an activation link reused (pages) or superseded by a
resent one, a confirmation link reused or superseded (tests/test_gateway_email.py). By
design every cancel link stays valid when a newer one is issued (a later change must not
silence the owner: tests/test_gateway_email.py), so "older after newer" does not apply to
it. What is left is here: expired activation, confirmation and cancel links, a cancel
link reused, and a superseded reset link on the pages. Each refusal is the pages' 400 with
the general_failure text, and changes nothing.
"""

from portal.accounts.models import Player
from portal.extensions import db
from tests.attack.api_support import changed_tables, database_state
from tests.attack.mail_links import (
    activation_link,
    email_change_links,
    expire,
    john,
    press,
    refused,
    reset_link,
)
from tests.gateway_flows import login


def player(app, player_id) -> Player:
    with app.app_context():
        found = db.session.get(Player, player_id)
        db.session.expunge(found)
        return found


def refused_without_a_trace(app, link, data=None) -> bool:
    before = database_state(app)
    response = press(app.test_client(), link, data)
    return refused(response) and changed_tables(before, database_state(app)) == {}


def test_an_expired_activation_link_is_refused(app, client, brand_id):
    player_id, _ = john(client, brand_id)
    link = activation_link(app)
    expire(app, "activate")

    assert refused_without_a_trace(app, link)
    assert player(app, player_id).email_verified_at is None


def test_an_expired_email_change_confirmation_is_refused(app, client, brand_id):
    player_id, token = john(client, brand_id)
    confirm, _ = email_change_links(app, client, brand_id, token)
    expire(app, "email_change")

    assert refused_without_a_trace(app, confirm)
    changed = player(app, player_id)
    assert (changed.email, changed.pending_email) == ("john@example.com", "new@example.com")


def test_an_expired_cancel_link_is_refused(app, client, brand_id):
    player_id, token = john(client, brand_id)
    _, cancel = email_change_links(app, client, brand_id, token)
    expire(app, "email_cancel")

    assert refused_without_a_trace(app, cancel)
    assert player(app, player_id).pending_email == "new@example.com"


def test_a_cancel_link_works_once(app, client, brand_id):
    player_id, token = john(client, brand_id)
    _, cancel = email_change_links(app, client, brand_id, token)
    assert press(app.test_client(), cancel).status_code == 200
    assert player(app, player_id).pending_email is None
    email_change_links(app, client, brand_id, login(client, brand_id).json["auth_token"])

    assert refused_without_a_trace(app, cancel)  # (the new change is still pending)
    assert player(app, player_id).pending_email == "new@example.com"


def test_an_older_reset_link_is_refused_on_the_pages(app, client, brand_id):
    john(client, brand_id)
    older = reset_link(app, client, brand_id)
    newer = reset_link(app, client, brand_id)

    assert refused_without_a_trace(app, older, {"new_password": "older123"})
    assert login(client, brand_id, password="older123").status_code == 401
    assert press(app.test_client(), newer, {"new_password": "newer123"}).status_code == 302
    assert login(client, brand_id, password="newer123").status_code == 200
