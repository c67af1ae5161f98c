"""Seed 002 content: the latest published T&C / privacy policy, signing them, and the
message format texts sites show for a code."""

import pytest
from sqlalchemy import select

from portal import messages
from portal.accounts.models import Brand, Signature
from portal.extensions import db
from tests.gateway_flows import (
    INVALID_BRAND,
    INVALID_TOKEN,
    SIGN,
    auth,
    login,
    publish,
    register,
)

LAST_PUBLISHED = "/gateway/tnc/1/document/revision/lastPublished/{}/{}/{}"
MESSAGE_FORMAT = "/gateway/site-management/1/content/message/format/{}"
BAD = "invalid input"


def last_published(client, brand, language="en", doc_type="tnc"):
    return client.get(LAST_PUBLISHED.format(brand, language, doc_type))


def signatures(app):
    with app.app_context():
        rows = db.session.scalars(select(Signature).order_by(Signature.id)).all()
        return [(r.player_id, r.type, r.version, r.language) for r in rows]


# --- latest published document ----------------------------------------------------------


def test_the_latest_document_in_the_asked_language(app, client, make_brand):
    brand = make_brand(name="B2", languages=("en", "de"))
    publish(app, brand, "tnc", "en", content="Old terms.")
    publish(app, brand, "tnc", "en", content="Terms.")
    publish(app, brand, "tnc", "de", version=2, content="Bedingungen.")

    english, german = last_published(client, brand, "en"), last_published(client, brand, "de")

    assert english.status_code == 200
    assert english.json == {
        "type": "tnc",
        "version": 2,
        "language": "en",
        "title": "tnc en",
        "content": "Terms.",
        "publishedAt": english.json["publishedAt"],
    }
    assert len(english.json["publishedAt"]) == len("2024-01-01 00:00:00")
    assert (german.json["version"], german.json["content"]) == (2, "Bedingungen.")


@pytest.mark.parametrize("language", ["fr", "de", "xx"])
def test_a_missing_language_falls_back_to_the_brands_default(app, client, make_brand, language):
    brand = make_brand(name="B2", languages=("en", "de"))
    publish(app, brand, "privacy", "de")  # version 1 in German only ...
    publish(app, brand, "privacy", "en")  # ... version 2 in English only

    response = last_published(client, brand, language, "privacy")

    assert (response.status_code, response.json["version"]) == (200, 2)
    assert response.json["language"] == "en"


def test_the_default_language_is_the_brands_first(app, client, make_brand):
    brand = make_brand(name="B2", languages=("de", "en"))
    publish(app, brand, "tnc", "de")
    publish(app, brand, "tnc", "en", version=1)

    assert last_published(client, brand, "fr").json["language"] == "de"


@pytest.mark.parametrize("doc_type", ["tnc", "privacy", "privacy_policy"])
def test_no_published_document_is_a_404(app, client, brand_id, doc_type):
    publish(app, brand_id, "tnc" if doc_type != "tnc" else "privacy")

    response = last_published(client, brand_id, "en", doc_type)

    assert (response.status_code, response.json) == (404, {"errMsg": "document not found"})


def test_privacy_policy_is_another_name_for_privacy(app, client, brand_id):
    publish(app, brand_id, "privacy")

    assert last_published(client, brand_id, "en", "privacy_policy").json["type"] == "privacy"


@pytest.mark.parametrize(
    ("brand", "doc_type", "expected"),
    [
        ("{}", "terms", (400, {"errMsg": "invalid input - type must be tnc or privacy"})),
        ("{}", "TNC", (400, {"errMsg": "invalid input - type must be tnc or privacy"})),
        ("999", "tnc", (400, INVALID_BRAND)),
    ],
)
def test_a_bad_document_request(app, client, brand_id, brand, doc_type, expected):
    publish(app, brand_id, "tnc")

    response = last_published(client, brand.format(brand_id), "en", doc_type)

    assert (response.status_code, response.json) == expected


# --- signing ----------------------------------------------------------------------------


@pytest.fixture
def unsigned(app, client, brand_id):
    """A player of a brand with both documents published, who signed neither:
    (player id, token)."""
    publish(app, brand_id, "tnc")
    publish(app, brand_id, "privacy")
    registered = register(client, brand_id, signTNC=False).json
    return registered["player_id"], registered["auth_token"]


def sign(client, token, **body):
    return client.post(SIGN, json=body, headers=auth(token))


def test_signing_the_terms_then_the_privacy_policy(app, client, brand_id, unsigned):
    player_id, token = unsigned
    assert login(client, brand_id).json["actions"] == [
        "TNC_APPROVAL_REQUIRED",
        "PRIVACY_APPROVAL_REQUIRED",
    ]
    body = {"brand_id": str(brand_id), "player_id": str(player_id), "language": "en"}

    first = sign(client, token, **body, type="tnc")

    assert (first.status_code, first.json) == (303, {"sign": ["privacy_policy"]})
    assert signatures(app) == [(player_id, "tnc", 1, "en")]
    assert login(client, brand_id).json["result"] == "PRIVACY_APPROVAL_REQUIRED"

    second = sign(client, token, **body, type="privacy")

    assert (second.status_code, second.json) == (201, {"result": "successfully signed TNC"})
    assert signatures(app) == [(player_id, "tnc", 1, "en"), (player_id, "privacy", 1, "en")]
    assert login(client, brand_id).status_code == 200


def test_signing_the_privacy_policy_first_leaves_the_terms(app, client, brand_id, unsigned):
    player_id, token = unsigned

    body = {"brand_id": brand_id, "player_id": player_id, "language": "en"}

    response = sign(client, token, **body, type="privacy_policy")

    assert (response.status_code, response.json) == (303, {"sign": ["tnc"]})


def test_signing_again_is_harmless(app, client, brand_id, unsigned):
    player_id, token = unsigned
    body = {"brand_id": brand_id, "player_id": player_id, "language": "en"}
    sign(client, token, **body, type="tnc")
    sign(client, token, **body, type="privacy")

    again = sign(client, token, **body, type="tnc")

    assert again.status_code == 201
    assert len(signatures(app)) == 2


def test_a_new_version_must_be_signed_again(app, client, runner, brand_id, unsigned, tmp_path):
    player_id, token = unsigned
    body = {"brand_id": brand_id, "player_id": player_id, "language": "en"}
    sign(client, token, **body, type="tnc")
    sign(client, token, **body, type="privacy")
    (tmp_path / "terms.txt").write_text("New terms.", encoding="utf-8")
    args = ["documents", "publish", "--brand-id", str(brand_id), "--type", "tnc"]
    args += ["--language", "en", "--title", "Terms v2", "--file", str(tmp_path / "terms.txt")]

    result = runner.invoke(args=args)

    assert (result.exit_code, result.output) == (0, "tnc version 2 (en) published\n")
    relogin = login(client, brand_id)
    assert (relogin.status_code, relogin.json["result"]) == (303, "TNC_APPROVAL_REQUIRED")
    assert relogin.json["actions"] == ["TNC_APPROVAL_REQUIRED"]
    assert last_published(client, brand_id).json["content"] == "New terms."
    assert sign(client, token, **body, type="tnc").status_code == 201
    assert signatures(app)[-1] == (player_id, "tnc", 2, "en")
    assert login(client, brand_id).status_code == 200


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"player_id": 999_999}, (400, {"errMsg": f"{BAD} - player_id does not match the token"})),
        ({"player_id": None}, (400, {"errMsg": f"{BAD} - player_id does not match the token"})),
        ({"type": "cookies"}, (400, {"errMsg": f"{BAD} - type must be tnc or privacy"})),
        ({"type": None}, (400, {"errMsg": f"{BAD} - type must be tnc or privacy"})),
        ({"language": 5}, (400, {"errMsg": f"{BAD} - language must be a string"})),
        ({"brand_id": 999}, (400, INVALID_BRAND)),
        ({"brand_id": None}, (400, INVALID_BRAND)),
    ],
)
def test_a_bad_signing_request_signs_nothing(app, client, brand_id, unsigned, change, expected):
    player_id, token = unsigned
    body = {"brand_id": brand_id, "player_id": player_id, "language": "en", "type": "tnc"}

    response = sign(client, token, **{**body, **change})

    assert (response.status_code, response.json) == expected
    assert signatures(app) == []


def test_signing_needs_the_players_token_of_that_brand(app, client, make_brand, brand_id, unsigned):
    player_id, token = unsigned
    other = make_brand(name="B2")
    body = {"player_id": player_id, "language": "en", "type": "tnc"}

    assert (sign(client, None, brand_id=brand_id, **body).json) == INVALID_TOKEN
    assert (sign(client, token, brand_id=other, **body).json) == INVALID_TOKEN
    assert signatures(app) == []


def test_signing_a_document_that_was_never_published(app, client, brand_id):
    registered = register(client, brand_id).json
    body = {"brand_id": brand_id, "player_id": registered["player_id"], "language": "en"}

    response = sign(client, registered["auth_token"], **body, type="tnc")

    assert response.status_code == 422
    assert response.json == {"result": [{"field": "type", "errorCode": "document_not_published"}]}


def test_signing_in_a_language_the_brand_does_not_offer(app, client, brand_id, unsigned):
    player_id, token = unsigned
    body = {"brand_id": brand_id, "player_id": player_id, "type": "tnc"}

    response = sign(client, token, **body, language="english")

    assert response.status_code != 500
    with app.app_context():
        offered = db.session.get(Brand, brand_id).language_list
    assert {language for *_, language in signatures(app)} <= set(offered)


# --- message formats --------------------------------------------------------------------


def message(client, code, **query):
    return client.get(MESSAGE_FORMAT.format(code), query_string=query)


def test_a_message_format_in_english_and_german(client):
    english, german = message(client, "underage"), message(client, "underage", language="de")

    assert (english.status_code, german.status_code) == (200, 200)
    assert english.json == {
        "message_string": "underage",
        "language": "en",
        "type": "error",
        "title": "Please check",
        "content": "You must be at least 18 years old to play.",
        "button_text": "OK",
    }
    assert german.json == {
        "message_string": "underage",
        "language": "de",
        "type": "error",
        "title": "Bitte prüfen",
        "content": "Sie müssen mindestens 18 Jahre alt sein, um zu spielen.",
        "button_text": "OK",
    }


def test_a_success_message_is_of_type_info(client):
    body = message(client, "forgot_email_sent", language="de").json

    assert (body["type"], body["title"]) == ("info", "Erledigt")


def test_gating_codes_have_message_formats(client):
    body = message(client, "TNC_APPROVAL_REQUIRED").json

    assert body["message_string"] == "tnc_approval_required"
    assert body["content"] == messages.TEXTS["en"]["tnc_approval_required"]


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ({"language": "fr"}, "en"),
        ({"brand_id": "{}"}, "de"),
        ({"brand_id": "{}", "language": "en"}, "en"),
    ],
)
def test_the_message_format_language(client, make_brand, query, language):
    brand = make_brand(name="B2", languages=("de", "en"))
    query = {k: v.format(brand) for k, v in query.items()}

    assert message(client, "email_required", **query).json["language"] == language


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (MESSAGE_FORMAT.format("no_such_code"), (404, {"errMsg": "message format not found"})),
        (MESSAGE_FORMAT.format("email_required") + "?brand_id=999", (400, INVALID_BRAND)),
        (
            MESSAGE_FORMAT.replace("/1/", "/2/").format("email_required"),
            (400, {"errMsg": "invalid input - unsupported version"}),
        ),
    ],
)
def test_message_format_errors(client, brand_id, path, expected):
    response = client.get(path)

    assert (response.status_code, response.json) == expected
