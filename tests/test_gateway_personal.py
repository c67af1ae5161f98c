"""Seed 002 personal details and custom fields through the gateway JSON API: exact statuses
and bodies, what the database holds after, and the change history."""

from datetime import date

import pytest

from portal.timeutil import utcnow
from tests.gateway_flows import (
    DETAILS,
    INVALID_BRAND,
    INVALID_TOKEN,
    auth,
    history,
    login,
    player,
    register,
)

SEED_KEYS = [
    "firstName", "lastName", "birthdate", "gender", "language", "country", "city", "address",
    "zipPostalCode", "phone", "eMail", "optOut", "is2faRequired", "mobileVerificationStatus",
    "mobileVerificationStatusDate", "mobileVerificationStatusChangedBy", "pendingMobileNumber",
]  # fmt: skip
SEED_PUT = {
    "lastName": "last",
    "firstName": "last",
    "birthdate": "2000-01-01",
    "gender": "M",
    "language": "en",
    "country": "IL",
    "city": "city",
    "address": "address",
    "zipPostalCode": "123123123",
    "phone": "12-1231231",
    "comment": "comment",
    "operator": "Player",
    "optOut": '{"chat": false}',
}  # fmt: skip  (the seed's own example body)


@pytest.fixture
def john(client, brand_id):
    """A registered player (steps one and two): (player id, token)."""
    response = register(client, brand_id)
    return response.json["player_id"], response.json["auth_token"]


def details(client, brand_id, token):
    return client.get(DETAILS.format(brand_id), headers=auth(token))


def put(client, brand_id, token, body):
    return client.put(DETAILS.format(brand_id), json=body, headers=auth(token))


def years_ago(years: int, days: int = 0) -> str:
    today = utcnow().date()
    try:
        then = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        then = today.replace(year=today.year - years, day=28)
    return date.fromordinal(then.toordinal() + days).isoformat()


# --- GET details ------------------------------------------------------------------------


def test_details_have_the_seeds_fields(client, brand_id, john):
    response = details(client, brand_id, john[1])

    assert response.status_code == 200
    assert list(response.json) == [*SEED_KEYS, "pendingEmail"]  # pendingEmail: our addition
    assert response.json == {
        "firstName": "John",
        "lastName": "Doe",
        "birthdate": "1990-04-01 00:00:00",
        "gender": "",
        "language": "en",
        "country": "GB",
        "city": "",
        "address": "",
        "zipPostalCode": "",
        "phone": "",
        "eMail": {"eMailAdress": "john@example.com", "isVerified": False},
        "optOut": {"chat": False, "sms": False, "email": False, "phone": False},
        "is2faRequired": False,
        "mobileVerificationStatus": 0,
        "mobileVerificationStatusDate": None,
        "mobileVerificationStatusChangedBy": "",
        "pendingMobileNumber": "",
        "pendingEmail": "",
    }


def test_a_verified_address_shows_as_verified(client, brand_id, make_player):
    make_player(email="ann@example.com", password="abc12345")
    token = login(client, brand_id, email="ann@example.com").json["auth_token"]

    body = details(client, brand_id, token).json

    assert body["eMail"] == {"eMailAdress": "ann@example.com", "isVerified": True}
    assert body["birthdate"] == ""  # made by support without a date of birth


@pytest.mark.parametrize("method", ["get", "put"])
def test_details_without_a_valid_token(client, brand_id, john, method):
    for headers in ({}, auth("garbage")):
        response = getattr(client, method)(DETAILS.format(brand_id), json={}, headers=headers)
        assert (response.status_code, response.json) == (401, INVALID_TOKEN)


@pytest.mark.parametrize("method", ["get", "put"])
def test_details_of_an_unknown_brand(client, brand_id, john, method):
    response = getattr(client, method)(DETAILS.format(999), json={}, headers=auth(john[1]))

    assert (response.status_code, response.json) == (400, INVALID_BRAND)


def test_a_token_of_another_brand_is_refused(client, brand_id, make_brand, john):
    other = make_brand(name="B2")

    response = details(client, other, john[1])

    assert (response.status_code, response.json) == (401, INVALID_TOKEN)


# --- PUT details ------------------------------------------------------------------------


def test_the_seeds_example_update(app, client, brand_id, john):
    player_id, token = john
    assert put(client, brand_id, token, {"optOut": {"chat": True, "sms": True}}).status_code == 204

    response = put(client, brand_id, token, SEED_PUT)

    assert response.status_code == 204
    assert response.get_data() == b""
    body = details(client, brand_id, token).json
    assert {k: body[k] for k in SEED_PUT if k not in ("comment", "operator", "optOut")} == {
        **{k: v for k, v in SEED_PUT.items() if k not in ("comment", "operator", "optOut")},
        "birthdate": "2000-01-01 00:00:00",
    }
    assert body["optOut"] == {"chat": False, "sms": True, "email": False, "phone": False}


def test_an_update_is_recorded_in_the_change_history(app, client, brand_id, john):
    player_id, token = john

    assert put(client, brand_id, token, SEED_PUT).status_code == 204

    assert sorted(history(app, player_id, comment="comment")) == sorted(
        (name, old, new, "comment", "Player")
        for name, old, new in [
            ("first_name", "John", "last"),
            ("last_name", "Doe", "last"),
            ("city", None, "city"),
            ("address", None, "address"),
            ("zip_code", None, "123123123"),
            ("birthdate", "1990-04-01", "2000-01-01"),
            ("gender", None, "M"),
            ("country", "GB", "IL"),
            ("phone", None, "12-1231231"),
        ]
    )  # language and optOut.chat did not change, so they have no row


def test_history_defaults_to_a_player_request(app, client, brand_id, john):
    player_id, token = john

    assert put(client, brand_id, token, {"city": "Leeds"}).status_code == 204

    assert history(app, player_id)[-1] == ("city", None, "Leeds", "player request", "Player")


def test_an_unchanged_value_writes_no_history(app, client, brand_id, john):
    player_id, token = john
    before = history(app, player_id)

    assert put(client, brand_id, token, {"firstName": "John", "country": "gb"}).status_code == 204

    assert history(app, player_id) == before


def test_an_empty_string_clears_an_optional_detail(app, client, brand_id, john):
    player_id, token = john
    put(client, brand_id, token, {"city": "Leeds", "phone": "44-7911123456"})

    assert put(client, brand_id, token, {"city": "", "phone": " "}).status_code == 204

    body = details(client, brand_id, token).json
    assert (body["city"], body["phone"]) == ("", "")
    stored = player(app, player_id)
    assert (stored.city, stored.phone) == (None, None)
    assert history(app, player_id)[-2:] == [
        ("city", "Leeds", None, "player request", "Player"),
        ("phone", "44-7911123456", None, "player request", "Player"),
    ]


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("firstName", "first_name_required"),
        ("lastName", "last_name_required"),
        ("birthdate", "birthdate_required"),
        ("country", "country_required"),
    ],
)
def test_details_registration_requires_cannot_be_emptied(client, brand_id, john, field, code):
    before = details(client, brand_id, john[1]).json

    response = put(client, brand_id, john[1], {field: ""})

    assert response.status_code == 400
    assert response.json == {
        "errMsg": "invalid input",
        "result": [{"field": field, "errorCode": code}],
    }
    assert details(client, brand_id, john[1]).json == before


@pytest.mark.parametrize(
    "body",
    [
        {"optOut": {"sms": True, "phone": True}},
        {"optOut": '{"sms": true, "phone": true}'},
        {"optOut.sms": True, "optOut.phone": True},
        {"optOut": {"sms": True}, "optOut.phone": True},
    ],
    ids=["object", "json-string", "dotted-keys", "both"],
)
def test_opt_outs_in_each_shape(app, client, brand_id, john, body):
    player_id, token = john

    assert put(client, brand_id, token, body).status_code == 204

    assert details(client, brand_id, token).json["optOut"] == {
        "chat": False,
        "sms": True,
        "email": False,
        "phone": True,
    }
    stored = player(app, player_id)
    assert (stored.opt_out_sms, stored.opt_out_phone, stored.opt_out_chat) == (True, True, False)


def test_changing_the_language_to_another_offered_one(client, make_brand):
    brand = make_brand(name="B2", languages=("en", "de"))
    token = register(client, brand).json["auth_token"]

    assert put(client, brand, token, {"language": "de"}).status_code == 204

    assert details(client, brand, token).json["language"] == "de"


def test_the_18th_birthday_is_old_enough(client, brand_id, john):
    assert put(client, brand_id, john[1], {"birthdate": years_ago(18)}).status_code == 204
    assert details(client, brand_id, john[1]).json["birthdate"] == f"{years_ago(18)} 00:00:00"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"birthdate": "01.01.2000"}, ("birthdate", "birthdate_invalid")),
        ({"birthdate": "2000-02-30"}, ("birthdate", "birthdate_not_exist")),
        ({"birthdate": "1899-12-31"}, ("birthdate", "birthdate_out_of_range")),
        ({"birthdate": "2999-01-01"}, ("birthdate", "birthdate_out_of_range")),
        ({"birthdate": 20000101}, ("birthdate", "birthdate_invalid")),
        ({"birthdate": "2015-06-01"}, ("birthdate", "underage")),
        ({"birthdate": "DAY_BEFORE_18"}, ("birthdate", "underage")),
        ({"gender": "X"}, ("gender", "gender_invalid")),
        ({"gender": "f"}, ("gender", "gender_invalid")),
        ({"country": "XX"}, ("country", "country_invalid")),
        ({"country": "GBR"}, ("country", "country_invalid")),
        ({"phone": "countrycode-phonenumber"}, ("phone", "phone_invalid")),
        ({"phone": "12"}, ("phone", "phone_invalid")),
        ({"language": "fr"}, ("language", "language_invalid")),
        ({"firstName": "x" * 101}, ("firstName", "first_name_invalid")),
        ({"lastName": "x" * 101}, ("lastName", "last_name_invalid")),
        ({"city": "x" * 101}, ("city", "city_invalid")),
        ({"address": "x" * 201}, ("address", "address_invalid")),
        ({"zipPostalCode": "1" * 21}, ("zipPostalCode", "zip_code_invalid")),
        ({"firstName": 5}, ("firstName", "first_name_invalid")),
        ({"optOut": {"sms": "yes"}}, ("optOut.sms", "opt_out_invalid")),
        ({"optOut.email": 1}, ("optOut.email", "opt_out_invalid")),
        ({"optOut": {"fax": True}}, ("optOut.fax", "opt_out_invalid")),
    ],
)
def test_invalid_details_are_refused(app, client, brand_id, john, body, error):
    player_id, token = john
    if body.get("birthdate") == "DAY_BEFORE_18":
        body = {"birthdate": years_ago(18, days=1)}
    before = details(client, brand_id, token).json

    response = put(client, brand_id, token, body)

    assert response.status_code == 400
    assert response.json == {
        "errMsg": "invalid input",
        "result": [{"field": error[0], "errorCode": error[1]}],
    }
    assert details(client, brand_id, token).json == before
    assert history(app, player_id, comment="player request") == []


def test_every_invalid_field_is_reported_and_nothing_is_saved(app, client, brand_id, john):
    player_id, token = john
    body = {
        **SEED_PUT,
        "firstName": "x" * 101,
        "birthdate": "2000-13-01",
        "gender": "Q",
        "country": "ZQ",
        "phone": "call me",
        "language": "xx",
    }

    response = put(client, brand_id, token, body)

    assert response.status_code == 400
    assert [(e["field"], e["errorCode"]) for e in response.json["result"]] == [
        ("firstName", "first_name_invalid"),
        ("birthdate", "birthdate_not_exist"),  # month 13
        ("gender", "gender_invalid"),
        ("country", "country_invalid"),
        ("phone", "phone_invalid"),
        ("language", "language_invalid"),
    ]
    assert details(client, brand_id, token).json["lastName"] == "Doe"  # valid, yet not saved
    assert history(app, player_id, comment="comment") == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"optOut": "{not json"}, "optOut must be a JSON object"),
        ({"optOut": "[true]"}, "optOut must be a JSON object"),
        ({"optOut": True}, "optOut must be a JSON object"),
        ({"comment": 5}, "comment must be a string"),
        ({"operator": ["x"]}, "operator must be a string"),
    ],
)
def test_malformed_update_fields(client, brand_id, john, body, message):
    response = put(client, brand_id, john[1], body)

    assert (response.status_code, response.json) == (400, {"errMsg": f"invalid input - {message}"})


def test_a_phone_longer_than_its_column_is_invalid(app, client, brand_id, john):
    response = put(client, brand_id, john[1], {"phone": "+" + "1" * 30})

    assert response.status_code == 400
    assert response.json["result"] == [{"field": "phone", "errorCode": "phone_invalid"}]


def test_a_nul_character_in_a_detail_is_invalid_input(app, client, brand_id, john):
    response = put(client, brand_id, john[1], {"city": "Le\x00eds"})

    assert response.status_code == 400
    assert response.json["errMsg"].startswith("invalid input")
    assert player(app, john[0]).city is None


@pytest.mark.parametrize("country", ["ZZ", "EU", "UN", "XA"])
def test_regions_that_are_not_countries_are_invalid(client, brand_id, john, country):
    response = put(client, brand_id, john[1], {"country": country})

    assert response.status_code == 400
    assert response.json["result"] == [{"field": "country", "errorCode": "country_invalid"}]
