"""Seed 002 custom fields (string and integer fields of a player) through the gateway."""

import pytest
from sqlalchemy import select

from portal.accounts.models import PlayerCustomField
from portal.extensions import db
from tests.gateway_flows import (
    CUSTOM_FIELDS,
    INVALID_BRAND,
    INVALID_TOKEN,
    auth,
    count,
    register,
)

SEED_CUSTOM_FIELDS = {
    "strCustomFields": [{"id": "string", "name": "string", "value": "string"}],
    "intCustomFields": [{"id": "string", "name": "string", "value": 0}],
}


@pytest.fixture
def john(client, brand_id):
    """A registered player (steps one and two): (player id, token)."""
    response = register(client, brand_id)
    return response.json["player_id"], response.json["auth_token"]


GOOD = {
    "str": {"id": "ok", "name": "fine", "value": "fine"},
    "int": {"id": "ok", "name": "fine", "value": 1},
}


def custom(client, brand_id, token, body=None):
    if body is None:
        return client.get(CUSTOM_FIELDS.format(brand_id), headers=auth(token))
    return client.put(CUSTOM_FIELDS.format(brand_id), json=body, headers=auth(token))


def test_a_new_player_has_no_custom_fields(client, brand_id, john):
    response = custom(client, brand_id, john[1])

    assert (response.status_code, response.json) == (
        200,
        {"strCustomFields": [], "intCustomFields": []},
    )


def test_the_seeds_custom_fields_example(app, client, brand_id, john):
    response = custom(client, brand_id, john[1], SEED_CUSTOM_FIELDS)

    assert (response.status_code, response.json) == (200, {"result": "success"})
    assert custom(client, brand_id, john[1]).json == SEED_CUSTOM_FIELDS
    with app.app_context():
        rows = db.session.scalars(select(PlayerCustomField).order_by(PlayerCustomField.id)).all()
        assert [(r.player_id, r.kind, r.field_id, r.str_value, r.int_value) for r in rows] == [
            (john[0], "str", "string", "string", None),
            (john[0], "int", "string", None, 0),
        ]


def test_updating_a_custom_field_by_its_id(app, client, brand_id, john):
    custom(client, brand_id, john[1], SEED_CUSTOM_FIELDS)

    response = custom(
        client,
        brand_id,
        john[1],
        {
            "intCustomFields": [
                {"id": "string", "name": "deposits", "value": 2**63 - 1},
                {"id": "n2", "name": "floor", "value": -(2**63)},
            ]
        },
    )

    assert response.status_code == 200
    assert custom(client, brand_id, john[1]).json == {
        "strCustomFields": [{"id": "string", "name": "string", "value": "string"}],
        "intCustomFields": [
            {"id": "string", "name": "deposits", "value": 2**63 - 1},
            {"id": "n2", "name": "floor", "value": -(2**63)},
        ],
    }
    assert count(app, PlayerCustomField) == 3


def test_custom_fields_belong_to_one_player(client, brand_id, john):
    custom(client, brand_id, john[1], SEED_CUSTOM_FIELDS)
    other = register(client, brand_id, email="ann@example.com", loginName="ann_x")

    assert custom(client, brand_id, other.json["auth_token"]).json == {
        "strCustomFields": [],
        "intCustomFields": [],
    }


@pytest.mark.parametrize(
    ("kind", "item"),
    [
        ("int", {"id": "a", "name": "n", "value": True}),
        ("int", {"id": "a", "name": "n", "value": "5"}),
        ("int", {"id": "a", "name": "n", "value": 1.5}),
        ("int", {"id": "a", "name": "n", "value": 2**63}),
        ("int", {"id": "a", "name": "n"}),
        ("str", {"id": "a", "name": "n", "value": 5}),
        ("str", {"id": "a", "name": "n", "value": "v" * 1001}),
        ("str", {"id": 7, "name": "n", "value": "v"}),
        ("str", {"id": "", "name": "n", "value": "v"}),
        ("str", {"id": "i" * 65, "name": "n", "value": "v"}),
        ("str", {"id": "a", "name": "n" * 101, "value": "v"}),
    ],
)
def test_invalid_custom_fields_are_refused_and_nothing_is_saved(
    app, client, brand_id, john, kind, item
):
    body = {f"{kind}CustomFields": [GOOD[kind], item]}

    response = custom(client, brand_id, john[1], body)

    assert response.status_code == 400
    assert response.json == {
        "errMsg": "invalid input",
        "result": [{"field": f"{kind}CustomFields[1]", "errorCode": "custom_field_invalid"}],
    }
    assert count(app, PlayerCustomField) == 0  # not even the valid first item


def test_a_custom_field_error_names_the_items_own_index(app, client, brand_id, john):
    bad = {"id": "a", "name": "n", "value": "5"}
    body = {"strCustomFields": [GOOD["str"], GOOD["str"] | {"id": "s2"}], "intCustomFields": [bad]}

    response = custom(client, brand_id, john[1], body)

    assert response.status_code == 400
    assert response.json["result"] == [
        {"field": "intCustomFields[0]", "errorCode": "custom_field_invalid"}
    ]


def test_a_nul_character_in_a_custom_field_is_invalid_input(app, client, brand_id, john):
    body = {"strCustomFields": [{"id": "a", "name": "n", "value": "x\x00y"}]}

    response = custom(client, brand_id, john[1], body)

    assert response.status_code == 400
    assert count(app, PlayerCustomField) == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"strCustomFields": {"id": "a"}}, "strCustomFields must be a list"),
        ({"intCustomFields": ["a"]}, "intCustomFields must hold objects"),
    ],
)
def test_malformed_custom_fields(client, brand_id, john, body, message):
    response = custom(client, brand_id, john[1], body)

    assert (response.status_code, response.json) == (400, {"errMsg": f"invalid input - {message}"})


def test_custom_fields_need_a_token_and_a_brand(client, brand_id, john):
    for method in ("get", "put"):
        no_token = getattr(client, method)(CUSTOM_FIELDS.format(brand_id), json={})
        no_brand = getattr(client, method)(CUSTOM_FIELDS.format(0), json={}, headers=auth(john[1]))
        assert (no_token.status_code, no_token.json) == (401, INVALID_TOKEN)
        assert (no_brand.status_code, no_brand.json) == (400, INVALID_BRAND)
