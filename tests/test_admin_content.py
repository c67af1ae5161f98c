"""The content pages: terms and privacy versions (list, read, publish through the same core
as `flask documents publish`), who accepted which version, and operators' texts for
message codes (an override shows where the message is used; removing it restores the
built-in text). Changes are for the admin role; finance and support get 403."""

import pytest

from portal import messages
from portal.accounts import documents, operations
from portal.accounts.models import Player
from portal.extensions import db
from tests.admin_audit import entries as _entries
from tests.admin_helpers import audit_entries, log_in, post_action
from tests.conftest import page_text, submit_form

EVIL = "<script>alert(1)</script>"


def _publish(app, brand_id, title="Terms v1", content="Play fair."):
    with app.app_context():
        brand = operations.get_brand(brand_id)
        document = documents.publish(brand, "tnc", language="en", title=title, content=content)
        db.session.commit()
        return document.id


def test_the_documents_and_signatures_render_with_data(app, client, brand_id, make_player):
    document_id = _publish(app, brand_id, title=f"Terms {EVIL}", content=f"Text {EVIL}")
    player_id = make_player()
    with app.app_context():
        documents.sign(db.session.get(Player, player_id), "tnc", language="en", ip="10.0.0.9")
        db.session.commit()  # (a no-op when the registration signed it already)
    log_in(app, client, "support")
    listing = client.get(f"/admin/content?brand_id={brand_id}&type=tnc&sort=version&dir=asc")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "Terms &lt;script&gt;" in html and EVIL not in html
    assert 'data-testid="publish-form"' not in html  # support reads, does not publish
    shown = client.get(f"/admin/content/documents/{document_id}")
    assert shown.status_code == 200 and EVIL not in shown.get_data(as_text=True)
    assert "1 player(s)" in page_text(shown)
    signatures = client.get(f"/admin/content/signatures?brand_id={brand_id}&type=tnc&version=1")
    assert signatures.status_code == 200
    text = page_text(signatures)
    assert "player@example.com" in text and "1 found" in text
    by_player = client.get("/admin/content/signatures?player=nobody")
    assert "0 found" in page_text(by_player)


def test_an_admin_publishes_a_new_version_and_players_must_accept_again(
    app, client, brand_id, make_player
):
    _publish(app, brand_id)
    player_id = make_player()
    with app.app_context():
        documents.sign_all(db.session.get(Player, player_id), language="en")
        db.session.commit()
    log_in(app, client, "admin")
    answer = post_action(
        client,
        "/admin/content/documents",
        {"brand_id": brand_id, "type": "tnc", "language": "en", "title": "Terms v2",
         "content": "New rules.", "version": "", "reason": "legal update"},
        page="/admin/content",
    )  # fmt: skip
    assert answer.status_code == 302
    with app.app_context():
        brand = operations.get_brand(brand_id)
        assert documents.latest_version(brand, "tnc") == 2
        assert documents.unsigned_types(db.session.get(Player, player_id)) == ["tnc"]
    [entry] = _entries(app, "document.publish")
    assert entry["target_type"] == "document" and entry["reason"] == "legal update"
    assert entry["before"]["latest_version"] == 1
    assert entry["after"]["version"] == 2 and entry["after"]["title"] == "Terms v2"
    assert "Terms v2" in page_text(client.get(answer.headers["Location"]))


def test_a_refused_publication_is_a_400_page_and_changes_nothing(app, client, brand_id):
    log_in(app, client, "admin")
    answer = post_action(
        client,
        "/admin/content/documents",
        {"brand_id": brand_id, "type": "tnc", "language": "xx", "title": "T", "content": "C",
         "reason": "try"},
        page="/admin/content",
    )  # fmt: skip
    assert answer.status_code == 400
    assert messages.text("language_invalid") in page_text(answer)
    assert audit_entries(app, "document.publish") == []


@pytest.mark.parametrize("role", ["finance", "support"])
def test_only_admins_change_content(app, client, brand_id, role):
    log_in(app, client, role)
    publish = post_action(
        client,
        "/admin/content/documents",
        {"brand_id": brand_id, "type": "tnc", "language": "en", "title": "T", "content": "C",
         "reason": "no"},
        page="/admin/content",
    )  # fmt: skip
    assert publish.status_code == 403
    data = {"code": "login_failed", "language": "en", "text": "x", "reason": "no"}
    page = "/admin/content/messages"
    assert post_action(client, "/admin/content/messages/set", data, page=page).status_code == 403
    assert post_action(client, "/admin/content/messages/remove", data, page=page).status_code == 403
    assert audit_entries(app, "document.publish") == []
    assert audit_entries(app, "message_text.set") == []


def _player_login_error(client) -> str:
    answer = submit_form(
        client, "/login", {"identifier": "player@example.com", "password": "wrong-pass1"}
    )
    assert answer.status_code == 401
    return page_text(answer)


def test_a_message_override_shows_where_the_message_is_used_and_removing_it_restores_it(
    app, client, make_player
):
    make_player()
    default = messages.TEXTS["en"]["login_failed"]
    player = app.test_client()
    assert default in _player_login_error(player)
    log_in(app, client, "admin")
    page = "/admin/content/messages?code=login_failed"
    listing = client.get(page)
    assert listing.status_code == 200 and default in page_text(listing)
    answer = post_action(
        client,
        "/admin/content/messages/set",
        {"code": "login_failed", "language": "en", "text": f"Nope {EVIL}", "reason": "tone"},
        page=page,
    )
    assert answer.status_code == 302
    assert f"Nope {EVIL}" in _player_login_error(player)  # shown as text, escaped
    assert EVIL not in client.get(page).get_data(as_text=True)
    gateway = player.get("/gateway/site-management/1/content/message/format/login_failed")
    assert gateway.get_json()["content"] == f"Nope {EVIL}"
    german = player.get(
        "/gateway/site-management/1/content/message/format/login_failed?language=de"
    )
    assert german.get_json()["content"] == messages.TEXTS["de"]["login_failed"]
    [entry] = _entries(app, "message_text.set")
    assert entry["target_type"] == "message_text" and entry["target_id"] == "en:login_failed"
    assert entry["before"] == {"text": default, "override": None}
    assert entry["after"]["text"] == f"Nope {EVIL}" and entry["reason"] == "tone"

    answer = post_action(
        client,
        "/admin/content/messages/remove",
        {"code": "login_failed", "language": "en", "reason": "back to normal"},
        page=page,
    )
    assert answer.status_code == 302
    assert default in _player_login_error(player)
    [entry] = _entries(app, "message_text.remove")
    assert entry["before"]["override"] == f"Nope {EVIL}"
    assert entry["after"] == {"text": default, "override": None}


def test_a_refused_override_changes_nothing(app, client):
    log_in(app, client, "admin")
    page = "/admin/content/messages"
    unknown = {"code": "no_such_code", "language": "en", "text": "x", "reason": "r"}
    assert post_action(client, "/admin/content/messages/set", unknown, page=page).status_code == 400
    empty = {"code": "login_failed", "language": "en", "text": "  ", "reason": "r"}
    assert post_action(client, "/admin/content/messages/set", empty, page=page).status_code == 400
    none = {"code": "login_failed", "language": "en", "reason": "r"}
    assert post_action(client, "/admin/content/messages/remove", none, page=page).status_code == 400
    assert audit_entries(app, "message_text.set") == []
    with app.app_context():
        assert messages.text("login_failed") == messages.TEXTS["en"]["login_failed"]


def test_the_message_list_filters_and_pages(app, client):
    log_in(app, client, "support")
    everything = client.get("/admin/content/messages")
    total = len(messages.TEXTS["en"]) * len(messages.TEXTS)
    assert f"{total} found" in page_text(everything)
    assert "<textarea" not in everything.get_data(as_text=True)  # support cannot change
    second = client.get("/admin/content/messages?page=2&sort=language&dir=desc")
    assert second.status_code == 200
    german = client.get("/admin/content/messages?language=de&code=password_short")
    assert "1 found" in page_text(german)
    assert "1 found" in page_text(client.get("/admin/content/messages?text=zu+kurz.+es"))


def test_overrides_are_cached_per_process_and_dropped_when_a_change_ends(app, monkeypatch):
    from portal import message_texts

    default = messages.TEXTS["en"]["login_failed"]
    with app.app_context():
        assert messages.text("login_failed") == default  # loaded and cached
        message_texts.set_text("login_failed", "en", "Rolled back")
        db.session.rollback()
        assert messages.text("login_failed") == default  # the rollback dropped the cache
        # a change by another process (a plain insert here) shows once the TTL has passed
        db.session.add(message_texts.MessageText(code="login_failed", language="en", text="B"))
        db.session.commit()
        assert messages.text("login_failed") == default
        monkeypatch.setattr(message_texts, "TTL", 0.0)
        assert messages.text("login_failed") == "B"
        assert messages.text("login_failed", "de") == messages.TEXTS["de"]["login_failed"]
        assert messages.text("LOGIN_FAILED", "fr") == "B"  # unknown language: English's
