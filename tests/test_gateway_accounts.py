"""The seed 002 gateway JSON API for accounts (registration, login, logout), spoken for real
through the Flask test client: exact statuses and bodies, and what the database holds after."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import LoginEvent, OutboundMail, Player, PlayerSession
from portal.extensions import db
from portal.timeutil import utcnow
from tests import gateway_flows as flows
from tests.gateway_flows import DROP, INVALID_BRAND, STEP_TWO

INVALID_TOKEN = {"errMsg": "invalid input - invalid token"}
LOGIN_FAILED = {"errMsg": "invalid input - invalid credentials", "message_format": "login_failed"}
REGISTRATION = {**flows.REGISTRATION, "btag": "aff-7", "bonusCode": "WELCOME"}


def register(client, brand_id, **fields):
    """Registration step one, then (when it succeeded) step two, as a site would do."""
    body = {k: v for k, v in {**REGISTRATION, **fields}.items() if v is not DROP}
    response = client.post(f"/gateway/reg-step-one/1/{brand_id}", json=body)
    if response.status_code == 201:
        done = client.post(
            f"/gateway/reg-step-two/1/{brand_id}",
            json=STEP_TWO,
            headers={"x-auth-token": response.json["auth_token"]},
        )
        assert done.status_code == 200, done.json
    return response


def login(client, brand_id, password="abc12345", **identifier):
    body = {"password": password, **(identifier or {"email": "john@example.com"})}
    return client.post(f"/gateway/login/1/{brand_id}/player", json=body)


def logout(client, brand_id, token):
    headers = {} if token is None else {"x-auth-token": token}
    return client.post(f"/gateway/logout/1/{brand_id}/player", headers=headers)


def errors(response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.get_data(as_text=True)
    return [(e["field"], e["errorCode"]) for e in response.json["result"]]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def shift_session(app, token, **moves):
    """Move a session's timestamps back in time, e.g. last_seen_at=timedelta(minutes=61)."""
    with app.app_context():
        digest = hashlib.sha256(token.encode()).hexdigest()
        session = db.session.scalars(
            select(PlayerSession).where(PlayerSession.token_hash == digest)
        ).one()
        for column, delta in moves.items():
            setattr(session, column, utcnow() - delta)
        db.session.commit()


# --- registration -----------------------------------------------------------------------


def test_registration_creates_the_player_and_opens_a_session(app, client, brand_id):
    response = register(client, brand_id)

    assert response.status_code == 201
    assert set(response.json) == {"auth_token", "player_id"}
    token, player_id = response.json["auth_token"], response.json["player_id"]
    with app.app_context():
        player = db.session.get(Player, player_id)
        assert (player.brand_id, player.email, player.login_name) == (
            brand_id,
            "john@example.com",
            "john_doe",
        )
        assert (player.currency, player.active_currency, player.language) == ("EUR", "EUR", "en")
        assert (player.btag, player.bonus_code) == ("aff-7", "WELCOME")
        assert (player.status, player.is_test, player.email_verified_at) == ("active", False, None)
        assert player.registration_ip == "127.0.0.1"
        assert player.password_hash.startswith("$argon2id$")
        session = db.session.scalars(select(PlayerSession)).one()
        assert (session.player_id, session.channel, session.revoked_at) == (player_id, "api", None)
        assert session.token_hash == hashlib.sha256(token.encode()).hexdigest()
        mail = db.session.scalars(select(OutboundMail)).one()
        assert (mail.recipient, mail.subject) == ("john@example.com", "Welcome to Test Casino")
    assert logout(client, brand_id, token).json == {"result": "success"}


def test_registration_then_login_with_the_same_password(client, brand_id):
    player_id = register(client, brand_id).json["player_id"]

    response = login(client, brand_id)

    assert response.status_code == 200
    assert response.json == {
        "auth_token": response.json["auth_token"],
        "player_id": player_id,
        "currency": "EUR",
        "language": "en",
        "actions": [],
    }
    assert len(response.json["auth_token"]) >= 43  # 256 random bits, url-safe base64


def test_registration_defaults_to_the_brands_first_currency_and_language(app, client, make_brand):
    brand = make_brand(name="B2", currencies=("USD", "EUR"), languages=("de", "en"))

    response = register(client, brand, currency=DROP, language=DROP, loginName=DROP)

    assert response.status_code == 201
    with app.app_context():
        player = db.session.get(Player, response.json["player_id"])
        assert (player.currency, player.language, player.login_name) == ("USD", "de", None)


def test_registration_in_another_offered_currency_and_language(client, make_brand):
    brand = make_brand(name="B2", currencies=("EUR", "BTC"), languages=("en", "de"))
    assert register(client, brand, currency="BTC", language="de").status_code == 201

    response = login(client, brand)

    assert (response.json["currency"], response.json["language"]) == ("BTC", "de")


def test_the_same_email_may_register_on_two_brands(client, brand_id, make_brand):
    other = make_brand(name="B2")

    assert register(client, brand_id).status_code == 201
    assert register(client, other).status_code == 201

    first, second = login(client, brand_id), login(client, other)
    assert first.json["player_id"] != second.json["player_id"]


@pytest.mark.parametrize("login_name", ["qqtst_alice", "QQTST_alice"])
def test_test_players_skip_the_fraud_check(app, client, brand_id, login_name):
    response = register(client, brand_id, loginName=login_name, email="alice@mailinator.com")

    assert response.status_code == 201
    with app.app_context():
        assert db.session.get(Player, response.json["player_id"]).is_test is True


# --- registration: 422 field errors -----------------------------------------------------

LONG_EMAIL = "a" * 60 + "@" + ".".join(["b" * 60] * 3) + ".com"  # 249 chars


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"email": DROP}, ("email", "email_required")),
        ({"email": ""}, ("email", "email_required")),
        ({"email": "   "}, ("email", "email_required")),
        ({"email": "john.example.com"}, ("email", "email_syntax_error")),
        ({"email": "john@example"}, ("email", "email_syntax_error")),
        ({"email": "jo hn@example.com"}, ("email", "email_syntax_error")),
        ({"email": "a@b@example.com"}, ("email", "email_syntax_error")),
        ({"email": "a@b..com"}, ("email", "invalid_email")),
        ({"email": "john@-example.com"}, ("email", "invalid_email")),
        ({"email": "john..doe@example.com"}, ("email", "invalid_email")),
        ({"email": "x" * 243 + "@example.com"}, ("email", "email_long")),
        ({"email": "john@mailinator.com"}, ("email", "email_fraud")),
        ({"email": "john@MAILINATOR.com"}, ("email", "email_fraud")),
        ({"email": "john@yopmail.com"}, ("email", "email_fraud")),
        ({"loginName": "jo"}, ("loginName", "username_short")),
        ({"loginName": "j" * 51}, ("loginName", "username_long")),
        ({"loginName": "john doe"}, ("loginName", "username_invalid")),
        ({"loginName": "john@home"}, ("loginName", "username_invalid")),
        ({"loginName": "jöhn"}, ("loginName", "username_invalid")),
        ({"password": DROP}, ("password", "password_required")),
        ({"password": ""}, ("password", "password_required")),
        ({"over18": DROP}, ("over18", "over18_required")),
        ({"over18": False}, ("over18", "over18_required")),
        ({"currency": "GBP"}, ("currency", "currency_invalid")),
        ({"currency": "eur"}, ("currency", "currency_invalid")),
        ({"language": "fr"}, ("language", "language_invalid")),
    ],
)
def test_registration_field_errors(app, client, brand_id, fields, expected):
    response = register(client, brand_id, **fields)

    assert errors(response) == [expected]
    assert response.json == {"result": [{"field": expected[0], "errorCode": expected[1]}]}
    assert (count(app, Player), count(app, PlayerSession), count(app, OutboundMail)) == (0, 0, 0)


def test_registration_accepts_an_email_of_254_characters(client, brand_id):
    email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"

    response = register(client, brand_id, email=email)

    assert len(email) == 254
    assert response.status_code == 201
    assert login(client, brand_id, email=email.upper()).status_code == 200


def test_a_local_part_over_64_characters_is_invalid(client, brand_id):
    response = register(client, brand_id, email="a" * 65 + "@example.com")

    assert response.status_code == 422
    assert response.json == {"result": [{"field": "email", "errorCode": "invalid_email"}]}


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("ab12", ["password_short"]),
        ("a1b2c3d", ["password_short"]),
        ("abcd1234efgh5678", ["password_long"]),
        ("aaaa1111", ["password_same_letters"]),
        ("a1a1a1a1a1", ["password_same_letters"]),
        ("abcdefgh", ["password_mix_characters"]),
        ("12345678", ["password_mix_characters"]),
        ("abcd-efgh!", ["password_mix_characters"]),
        ("aaa", ["password_short", "password_same_letters", "password_mix_characters"]),
    ],
)
def test_registration_password_policy(client, brand_id, password, codes):
    response = register(client, brand_id, password=password)

    assert errors(response) == [("password", code) for code in codes]


@pytest.mark.parametrize(
    ("fields", "password"),
    [
        ({"loginName": "john1234"}, "john1234"),
        ({"loginName": "john1234"}, "JOHN1234"),
        ({"loginName": DROP, "email": "ann12345@example.com"}, "ann12345"),
        ({"loginName": DROP, "email": "ann12345@example.com"}, "ANN12345"),
        ({"loginName": DROP, "email": "a1@b2.cd"}, "a1@B2.cd"),
    ],
)
def test_password_must_differ_from_login_name_and_email(client, brand_id, fields, password):
    response = register(client, brand_id, password=password, **fields)

    assert errors(response) == [("password", "password_match_user_name")]


def test_password_length_limits_are_inclusive(client, brand_id):
    assert register(client, brand_id, password="abcd1234").status_code == 201  # 8
    response = register(
        client, brand_id, password="abcd1234efgh567", email="b@example.com", loginName="b_b"
    )
    assert response.status_code == 201  # 15, the default maximum


def test_password_maximum_is_the_brands(client, make_brand):
    brand = make_brand(name="B2", password_max_length=20)

    assert register(client, brand, password="abcd1234efgh5678ij").status_code == 201  # 18
    assert login(client, brand, password="abcd1234efgh5678ij").status_code == 200
    too_long = register(
        client, brand, password="abcd1234efgh5678ijk9l", email="b@example.com", loginName="b_b"
    )
    assert errors(too_long) == [("password", "password_long")]  # 21


def test_registration_reports_every_broken_field_at_once(app, client, brand_id):
    response = register(
        client,
        brand_id,
        email="not-an-email",
        loginName="x",
        password="aaa",
        over18=False,
        currency="GBP",
        language="fr",
    )

    assert errors(response) == [
        ("email", "email_syntax_error"),
        ("loginName", "username_short"),
        ("password", "password_short"),
        ("password", "password_same_letters"),
        ("password", "password_mix_characters"),
        ("currency", "currency_invalid"),
        ("language", "language_invalid"),
        ("over18", "over18_required"),
    ]
    assert count(app, Player) == 0


@pytest.mark.parametrize("email", ["john@example.com", "JOHN@example.com", " John@Example.COM "])
def test_email_already_exists_case_insensitively(app, client, brand_id, email):
    assert register(client, brand_id, email="John@example.com").status_code == 201

    response = register(client, brand_id, email=email, loginName="someone_else")

    assert errors(response) == [("email", "email_already_exists")]
    assert (count(app, Player), count(app, OutboundMail)) == (1, 1)


@pytest.mark.parametrize("login_name", ["john_doe", "JOHN_DOE", "John_Doe"])
def test_username_already_exists_case_insensitively(app, client, brand_id, login_name):
    assert register(client, brand_id).status_code == 201

    response = register(client, brand_id, loginName=login_name, email="other@example.com")

    assert errors(response) == [("loginName", "username_already_exists")]
    assert count(app, Player) == 1


def test_email_and_login_name_both_taken(client, brand_id):
    assert register(client, brand_id).status_code == 201

    assert errors(register(client, brand_id)) == [
        ("email", "email_already_exists"),
        ("loginName", "username_already_exists"),
    ]


# --- login ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identifier",
    [
        {"email": "john@example.com"},
        {"email": "JOHN@Example.com"},
        {"user_name": "john_doe"},
        {"user_name": "JOHN_DOE"},
        {"user_name": " John_Doe "},
        {"user_name": "john@example.com"},
        {"user_name": "", "email": "john@example.com"},
    ],
)
def test_login_by_email_or_login_name_case_insensitively(client, brand_id, identifier):
    player_id = register(client, brand_id).json["player_id"]

    response = login(client, brand_id, **identifier)

    assert response.status_code == 200
    assert response.json["player_id"] == player_id


@pytest.mark.parametrize(
    "body",
    [
        {"email": "nobody@example.com", "password": "abc12345"},
        {"email": "john@example.com", "password": "abc12346"},
        {"email": "john@example.com", "password": "ABC12345"},
        {"user_name": "nobody", "password": "abc12345"},
        {"user_name": "john_doe", "password": "wrong123"},
        {"email": "john@example.com"},
        {"email": "john@example.com", "password": ""},
        {"password": "abc12345"},
        {},
    ],
)
def test_bad_login_has_one_answer_for_unknown_and_wrong(client, brand_id, body):
    register(client, brand_id)

    response = client.post(f"/gateway/login/1/{brand_id}/player", json=body)

    assert response.status_code == 401
    assert response.json == LOGIN_FAILED


def test_players_of_one_brand_cannot_log_in_on_another(client, brand_id, make_brand):
    other = make_brand(name="B2")
    register(client, brand_id)

    assert login(client, other).json == LOGIN_FAILED


def test_every_login_gets_a_new_token(app, client, brand_id):
    registration_token = register(client, brand_id).json["auth_token"]

    tokens = [login(client, brand_id).json["auth_token"] for _ in range(5)]

    assert len({registration_token, *tokens}) == 6
    assert count(app, PlayerSession) == 6
    for token in tokens:  # each is a live session of its own
        assert logout(client, brand_id, token).status_code == 200


def test_login_events_record_successes_and_failures(app, client, brand_id):
    player_id = register(client, brand_id).json["player_id"]

    assert login(client, brand_id).status_code == 200
    assert login(client, brand_id, password="wrong123").status_code == 401
    assert login(client, brand_id, email="nobody@example.com").status_code == 401

    with app.app_context():
        events = db.session.scalars(select(LoginEvent).order_by(LoginEvent.id)).all()
        assert [(e.player_id, e.success, e.reason, e.channel) for e in events] == [
            (player_id, True, None, "api"),
            (player_id, False, "bad_credentials", "api"),
            (None, False, "bad_credentials", "api"),
        ]
        assert {(e.brand_id, e.ip, e.host) for e in events} == {
            (brand_id, "127.0.0.1", "localhost")
        }


def test_a_blocked_player_cannot_log_in(app, client, brand_id):
    player_id = register(client, brand_id).json["player_id"]
    with app.app_context():
        db.session.get(Player, player_id).status = "blocked"
        db.session.commit()

    response = login(client, brand_id)

    assert response.status_code == 403
    assert response.json == {"errMsg": "player blocked", "message_format": "player_blocked"}
    with app.app_context():
        event = db.session.scalars(select(LoginEvent)).one()
        assert (event.success, event.reason) == (False, "blocked")
    assert count(app, PlayerSession) == 1  # only the registration's


def test_a_wrong_password_after_blocking_still_says_invalid_credentials(app, client, brand_id):
    player_id = register(client, brand_id).json["player_id"]
    with app.app_context():
        db.session.get(Player, player_id).status = "blocked"
        db.session.commit()

    assert login(client, brand_id, password="wrong123").json == LOGIN_FAILED


def test_an_unverified_player_of_a_brand_that_requires_verification(client, make_brand):
    brand = make_brand(name="Strict", require_verified_email=True)
    assert register(client, brand).status_code == 201

    response = login(client, brand)

    assert response.status_code == 303
    assert response.json["result"] == "EMAIL_NOT_VERIFIED"
    assert response.json["actions"] == ["EMAIL_NOT_VERIFIED"]


# --- logout and sessions ----------------------------------------------------------------


def test_logout_ends_the_session(app, client, brand_id):
    register(client, brand_id)
    token = login(client, brand_id).json["auth_token"]

    first = logout(client, brand_id, token)
    second = logout(client, brand_id, token)

    assert (first.status_code, first.json) == (200, {"result": "success"})
    assert (second.status_code, second.json) == (401, INVALID_TOKEN)
    with app.app_context():
        revoked = db.session.scalars(
            select(PlayerSession.revoked_at).order_by(PlayerSession.id)
        ).all()
        assert revoked[0] is None and revoked[1] is not None  # registration's session lives on


@pytest.mark.parametrize(
    "token",
    [None, "", "garbage", "x" * 128, "x" * 129, "x" * 10_000, "Bearer abc"],
    ids=["missing", "empty", "garbage", "128", "129", "10000", "bearer"],
)
def test_logout_with_a_bad_token(client, brand_id, token):
    register(client, brand_id)

    response = logout(client, brand_id, token)

    assert (response.status_code, response.json) == (401, INVALID_TOKEN)


def test_a_token_of_one_brand_is_refused_by_another(client, brand_id, make_brand):
    other = make_brand(name="B2")
    token = register(client, brand_id).json["auth_token"]

    refused = logout(client, other, token)

    assert (refused.status_code, refused.json) == (401, INVALID_TOKEN)
    assert logout(client, brand_id, token).status_code == 200  # still alive on its brand


def test_token_in_another_header_is_not_accepted(client, brand_id):
    token = register(client, brand_id).json["auth_token"]

    response = client.post(
        f"/gateway/logout/1/{brand_id}/player", headers={"Authorization": f"Bearer {token}"}
    )

    assert (response.status_code, response.json) == (401, INVALID_TOKEN)


def test_sessions_are_stored_hashed(app, client, brand_id):
    register(client, brand_id)
    tokens = [login(client, brand_id).json["auth_token"] for _ in range(2)]

    with app.app_context():
        stored = db.session.scalars(select(PlayerSession.token_hash).order_by(PlayerSession.id))
        hashes = stored.all()[1:]
    assert hashes == [hashlib.sha256(t.encode()).hexdigest() for t in tokens]
    assert not set(tokens) & set(hashes)


def test_an_idle_session_expires(app, client, brand_id):
    register(client, brand_id)
    token = login(client, brand_id).json["auth_token"]
    idle = app.config["SESSION_IDLE_MINUTES"]

    shift_session(app, token, last_seen_at=timedelta(minutes=idle, seconds=1))

    assert (logout(client, brand_id, token).json) == INVALID_TOKEN


def test_a_session_used_within_the_idle_time_lives(app, client, brand_id):
    register(client, brand_id)
    token = login(client, brand_id).json["auth_token"]
    idle = app.config["SESSION_IDLE_MINUTES"]

    shift_session(app, token, last_seen_at=timedelta(minutes=idle - 1))

    assert logout(client, brand_id, token).json == {"result": "success"}


def test_the_idle_time_is_configurable(make_app, brand_id):
    app = make_app(SESSION_IDLE_MINUTES=5)
    client = app.test_client()
    register(client, brand_id)
    token = login(client, brand_id).json["auth_token"]

    shift_session(app, token, last_seen_at=timedelta(minutes=6))

    assert logout(client, brand_id, token).json == INVALID_TOKEN


def test_a_session_past_its_absolute_expiry_is_refused(app, client, brand_id):
    register(client, brand_id)
    token = login(client, brand_id).json["auth_token"]

    shift_session(app, token, expires_at=timedelta(seconds=1))

    assert logout(client, brand_id, token).json == INVALID_TOKEN


def test_sessions_get_the_configured_absolute_lifetime(app, client, brand_id):
    token = register(client, brand_id).json["auth_token"]

    with app.app_context():
        session = db.session.scalars(select(PlayerSession)).one()
        lifetime = session.expires_at - session.created_at
    assert lifetime == timedelta(hours=app.config["SESSION_MAX_HOURS"])
    assert logout(client, brand_id, token).status_code == 200


def test_a_blocked_players_sessions_are_refused(app, client, brand_id):
    response = register(client, brand_id)
    with app.app_context():
        db.session.get(Player, response.json["player_id"]).status = "blocked"
        db.session.commit()

    assert logout(client, brand_id, response.json["auth_token"]).json == INVALID_TOKEN


# --- brand and version in the path ------------------------------------------------------


def gateway_paths(brand, version="1"):
    return [
        f"/gateway/reg-step-one/{version}/{brand}",
        f"/gateway/login/{version}/{brand}/player",
        f"/gateway/logout/{version}/{brand}/player",
    ]


@pytest.mark.parametrize("brand", ["999", "abc", "-1", "0", "99999999999999999999", "1.0"])
@pytest.mark.parametrize("endpoint", range(3), ids=["register", "login", "logout"])
def test_unknown_brand(client, brand_id, brand, endpoint):
    response = client.post(gateway_paths(brand)[endpoint], json=REGISTRATION)

    assert (response.status_code, response.json) == (400, INVALID_BRAND)


@pytest.mark.parametrize("version", ["2", "0", "v1", "1.0"])
@pytest.mark.parametrize("endpoint", range(3), ids=["register", "login", "logout"])
def test_unsupported_version(app, client, brand_id, version, endpoint):
    response = client.post(gateway_paths(brand_id, version)[endpoint], json=REGISTRATION)

    assert response.status_code == 400
    assert response.json == {"errMsg": "invalid input - unsupported version"}
    assert count(app, Player) == 0


# --- malformed requests -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data": "{not json", "content_type": "application/json"}, "body must be a JSON object"),
        ({"data": "", "content_type": "application/json"}, "body must be a JSON object"),
        ({"data": b"\xff\xfe{", "content_type": "application/json"}, "body must be a JSON object"),
        ({"json": ["email", "password"]}, "body must be a JSON object"),
        ({"json": "john@example.com"}, "body must be a JSON object"),
        ({"data": "null", "content_type": "application/json"}, "body must be a JSON object"),
        ({"json": 42}, "body must be a JSON object"),
        ({"data": "{}", "content_type": "text/plain"}, "content type must be application/json"),
        ({"data": {"email": "john@example.com"}}, "content type must be application/json"),
        ({}, "content type must be application/json"),
    ],
    ids=[
        "malformed", "empty", "not-utf8", "list", "string", "null", "number",
        "text-plain", "form", "no-body",
    ],
)  # fmt: skip
@pytest.mark.parametrize("endpoint", ["reg-step-one/1/{}", "login/1/{}/player"])
def test_bodies_that_are_not_a_json_object(app, client, brand_id, endpoint, kwargs, message):
    response = client.post("/gateway/" + endpoint.format(brand_id), **kwargs)

    assert response.status_code == 400
    assert response.json == {"errMsg": f"invalid input - {message}"}
    assert count(app, Player) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": 5}, "email must be a string"),
        ({"email": ["john@example.com"]}, "email must be a string"),
        ({"password": ["abc12345"]}, "password must be a string"),
        ({"password": 12345678}, "password must be a string"),
        ({"loginName": {"x": 1}}, "loginName must be a string"),
        ({"over18": "yes"}, "over18 must be a boolean"),
        ({"over18": 1}, "over18 must be a boolean"),
        ({"currency": 978}, "currency must be a string"),
        ({"language": True}, "language must be a string"),
        ({"btag": 7}, "btag must be a string"),
        ({"bonusCode": []}, "bonusCode must be a string"),
    ],
)
def test_registration_fields_of_the_wrong_type(app, client, brand_id, fields, message):
    response = register(client, brand_id, **fields)

    assert (response.status_code, response.json) == (400, {"errMsg": f"invalid input - {message}"})
    assert count(app, Player) == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": 5, "password": "abc12345"}, "email must be a string"),
        ({"user_name": ["john_doe"], "password": "abc12345"}, "user_name must be a string"),
        ({"email": "john@example.com", "password": 12345678}, "password must be a string"),
        ({"email": "john@example.com", "password": None}, None),
    ],
)
def test_login_fields_of_the_wrong_type(client, brand_id, body, message):
    register(client, brand_id)

    response = client.post(f"/gateway/login/1/{brand_id}/player", json=body)

    if message is None:  # null is "not given": a failed login, not a type error
        assert (response.status_code, response.json) == (401, LOGIN_FAILED)
    else:
        assert response.status_code == 400
        assert response.json == {"errMsg": f"invalid input - {message}"}


@pytest.mark.parametrize(
    ("body", "name"),
    [({"user_name": "john\x00doe"}, "user_name"), ({"email": "\x00"}, "email")],
)
def test_a_nul_character_in_the_login_name_is_invalid_input(client, brand_id, body, name):
    register(client, brand_id)

    response = login(client, brand_id, **body)

    assert response.status_code == 400
    assert response.json == {"errMsg": f"invalid input - {name} contains a NUL character"}


@pytest.mark.parametrize("field", ["btag", "bonusCode"])
def test_a_nul_character_in_btag_or_bonus_code_is_invalid_input(app, client, brand_id, field):
    response = register(client, brand_id, **{field: "aff\x00x"})

    assert response.status_code == 400
    assert response.json == {"errMsg": f"invalid input - {field} contains a NUL character"}
    assert count(app, Player) == 0


@pytest.mark.parametrize("field", ["email", "loginName", "password", "currency", "language"])
def test_a_nul_character_in_any_field_is_invalid_input(app, client, brand_id, field):
    response = register(client, brand_id, **{field: REGISTRATION[field] + "\x00"})

    assert response.status_code == 400
    assert response.json == {"errMsg": f"invalid input - {field} contains a NUL character"}
    assert count(app, Player) == 0


@pytest.mark.parametrize("endpoint", ["reg-step-one/1/{}", "login/1/{}/player"])
def test_a_body_over_64_kib_is_refused(app, client, brand_id, endpoint):
    body = {**REGISTRATION, "btag": "x" * (64 * 1024)}

    response = client.post("/gateway/" + endpoint.format(brand_id), json=body)

    assert response.status_code == 413
    assert response.json == {"errMsg": "invalid input - request too large"}
    assert count(app, Player) == 0


def test_a_body_just_under_64_kib_is_read(client, brand_id):
    padding = 64 * 1024 - len(str(REGISTRATION)) - 100
    response = register(client, brand_id, bonusCode="x" * padding)

    assert response.status_code == 201


def test_deeply_nested_json_is_invalid_input_not_a_server_error(client, brand_id):
    response = client.post(
        f"/gateway/login/1/{brand_id}/player", data="[" * 50_000, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json["errMsg"].startswith("invalid input")


def test_unknown_gateway_path_is_a_json_404(client):
    for path in ["/gateway/nope", "/gateway", "/gateway/login/1/1/admin"]:
        response = client.post(path, json={})
        assert (response.status_code, response.json) == (404, {"errMsg": "not found"}), path


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
@pytest.mark.parametrize("path", gateway_paths(1))
def test_wrong_method_is_a_json_405(client, brand_id, method, path):
    response = getattr(client, method)(path)

    assert response.status_code == 405
    assert response.json == {"errMsg": "method not allowed"}


def test_a_405_lists_the_allowed_methods(client, brand_id):
    response = client.get(f"/gateway/login/1/{brand_id}/player")

    assert response.status_code == 405
    assert "POST" in response.headers.get("Allow", "")


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("register_player", "/gateway/reg-step-one/1/{}"),
        ("login", "/gateway/login/1/{}/player"),
    ],
)
def test_an_unexpected_failure_is_a_bare_500(app, client, brand_id, monkeypatch, name, path):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(f"portal.gateway.admission.operations.{name}", boom)

    response = client.post(path.format(brand_id), json={**REGISTRATION, "user_name": "x"})

    assert response.status_code == 500
    assert response.json == {"result": "internal server error"}
    text = response.get_data(as_text=True)
    assert "boom" not in text and "Traceback" not in text
    assert response.mimetype == "application/json"


def test_a_failure_after_writing_rolls_the_registration_back(app, client, brand_id, monkeypatch):
    def no_session(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("portal.gateway.admission.open_session", no_session)

    response = register(client, brand_id)

    assert (response.status_code, response.json) == (500, {"result": "internal server error"})
    assert (count(app, Player), count(app, OutboundMail)) == (0, 0)


# --- rate limiting ----------------------------------------------------------------------


def test_login_is_rate_limited_per_client(make_app, brand_id):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()

    statuses = [login(client, brand_id, password="wrong123").status_code for _ in range(3)]
    limited = login(client, brand_id, password="wrong123")

    assert statuses == [401, 401, 401]
    assert (limited.status_code, limited.json) == (429, {"errMsg": "too many requests"})
    assert limited.headers["Retry-After"]
    other_client = app.test_client()
    other_ip = other_client.post(
        f"/gateway/login/1/{brand_id}/player",
        json={"email": "ann@example.com", "password": "wrong123"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert other_ip.status_code == 401  # (the same account is limited from there too:
    assert count(app, LoginEvent) == 4  # tests/test_login_limits.py)


def test_registration_has_its_own_rate_limit(make_app, brand_id):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(4):
        login(client, brand_id)

    statuses = [
        register(client, brand_id, email=f"p{i}@example.com", loginName=f"p_{i}").status_code
        for i in range(4)
    ]

    assert statuses == [201, 201, 201, 429]
    assert count(app, Player) == 3


def test_rate_limiting_is_off_when_disabled(client, brand_id):
    register(client, brand_id)

    statuses = {login(client, brand_id, password="wrong123").status_code for _ in range(12)}

    assert statuses == {401}  # the default LOGIN_RATE_LIMIT is 10 per minute
