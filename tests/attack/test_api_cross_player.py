"""Player A reaching for player B through every door that takes an identifier.

Ann (A) is logged in or holds tokens; Bob (B) is another player of the same brand with a
balance nobody else has (4321.09 EUR) and a game session. Whatever id of Bob's Ann puts in
a path, a body or a query, nothing of Bob's is shown or moved: every row that is Bob's
stays as it was.

Already covered elsewhere (not repeated here): Betsy place/balance with another player's
token (3), settle/unsettle/rollback/check of another player's bet (5), a cash-out with a
foreign token (3), a token of another currency (3) in tests/test_betsy_api.py; sign-tnc
with an unknown player_id in tests/test_gateway_content.py; a token of another brand on
the online and details endpoints (and, for every endpoint, tests/attack/
test_api_gateway_sessions.py).

BETCORE's /payments/info and /payments/close name no player: BETCORE is trusted with any
BetId (as with /users/data and cashback, which name the player themselves); the JWT is
the only barrier, see test_api_betcore_forgery.py.
"""

import uuid
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal.accounts.models import Player
from portal.accounts.sessions import token_hash
from portal.casino import operations as casino
from portal.casino.models import CasinoToken, GameSession
from portal.extensions import db
from portal.sportsbook.models import BetsyToken
from portal.wallet import operations as wallet
from portal.wallet import queries
from tests.attack.api_support import (
    JwksStandIn,
    betcore_post,
    changed_tables,
    database_state,
    rows_of,
)
from tests.attack.betsy_support import SECRET
from tests.conftest import page_text, submit_form
from tests.gateway_flows import INGAME, SIGN, auth, publish, register

BOB_BALANCE = "4321.09"
BOB_MARKERS = ("4321.09", "4,321.09", "bob@example.com", "bob-only-marker")


@pytest.fixture(scope="module")
def vendor():
    stand_in = JwksStandIn()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def app(make_app, vendor):
    return make_app(
        BETCORE_API_URL=vendor.url, BETCORE_JWKS_COOLDOWN=0, BETSY_PARTNER_SECRET=SECRET
    )


def fund(app, player_id, amount, reason) -> None:
    with app.app_context():
        player = db.session.get(Player, player_id)
        wallet.adjust(player, "EUR", amount, reason=reason, operator="t", external_id=reason)
        db.session.commit()


def euros(app, player_id) -> Decimal:
    with app.app_context():
        return queries.balance(db.session.get(Player, player_id), "EUR").real


def game_session(app, player_id) -> str:
    with app.app_context():
        session = GameSession(id=str(uuid.uuid4()), player_id=player_id, currency="EUR", tag_id=9)
        db.session.add(session)
        db.session.commit()
        return session.id


# --- the gateway ----------------------------------------------------------------------------


def test_the_gateway_shows_and_moves_nothing_of_another_player(app, client, brand_id):
    ann = register(client, brand_id).json
    bob = register(client, brand_id, email="bob@example.com", loginName="bob").json
    fund(app, ann["player_id"], "100.00", "ann-opening")
    fund(app, bob["player_id"], BOB_BALANCE, "bob-only-marker")
    bobs_game = game_session(app, bob["player_id"])
    bobs_rows = rows_of(app, bob["player_id"])
    headers = auth(ann["auth_token"])

    # in-game status of Bob's game session: Ann's own figures, nothing of Bob's
    status = client.get(INGAME.format(brand_id, bobs_game), headers=headers)
    assert status.status_code == 200
    assert (status.json["real_balance"], status.json["total_balance"]) == (100, 100)
    assert not [m for m in BOB_MARKERS if m in status.get_data(as_text=True)]

    # start-game with Bob's ids in the body: the launch tokens are Ann's
    body = {"return_url": "https://example.com", "player_id": bob["player_id"],
            "userId": str(bob["player_id"]), "PartnerUserId": str(bob["player_id"])}  # fmt: skip
    for game, model in (("dice", CasinoToken), ("sportsbook", BetsyToken)):
        response = client.post(
            f"/gateway/games/1/start-game/{brand_id}/{game}/en", json=body, headers=headers
        )
        assert response.status_code == 200, response.json
        token = parse_qs(urlsplit(response.json["url"]).query)["token"][0]
        with app.app_context():
            issued = db.session.scalar(select(model).where(model.token_hash == token_hash(token)))
            assert issued.player_id == ann["player_id"], game

    # signing the terms for Bob with Ann's token
    publish(app, brand_id, "tnc")
    before = database_state(app)
    signed = client.post(
        SIGN,
        json={"brand_id": brand_id, "player_id": bob["player_id"], "language": "en", "type": "tnc"},
        headers=headers,
    )
    assert (signed.status_code, signed.json) == (
        400,
        {"errMsg": "invalid input - player_id does not match the token"},
    )
    assert changed_tables(before, database_state(app)) == {}
    assert rows_of(app, bob["player_id"]) == bobs_rows


# --- BETCORE --------------------------------------------------------------------------------


def test_a_spent_refresh_token_opens_no_session_for_anybody(app, vendor, make_player):
    ann, bob = make_player(), make_player(email="bob@example.com")
    fund(app, bob, BOB_BALANCE, "bob-only-marker")
    with app.app_context():
        ann_token = casino.issue_token(db.session.get(Player, ann), "EUR", tag_id=7)
        casino.issue_token(db.session.get(Player, bob), "EUR", tag_id=9)
        db.session.commit()
    client, bobs_rows = app.test_client(), rows_of(app, bob)

    spent = betcore_post(
        client, "/users/auth", vendor.token({"RefreshToken": ann_token, "TagId": 7})
    )
    assert (spent["ErrorCode"], spent["Value"]["PartnerUserId"]) == (200, str(ann))
    # a field naming Bob does not redirect Ann's live (rotated) token to him
    rotated = {"RefreshToken": spent["Value"]["RefreshToken"], "TagId": 7,
               "PartnerUserId": str(bob)}  # fmt: skip
    answer = betcore_post(client, "/users/auth", vendor.token(rotated))
    assert (answer["ErrorCode"], answer["Value"]["PartnerUserId"]) == (200, str(ann))
    before = database_state(app)
    for data in (
        {"RefreshToken": ann_token, "TagId": 9, "PartnerUserId": str(bob)},
        {"RefreshToken": ann_token, "TagId": 7},
    ):
        refused = betcore_post(client, "/users/auth", vendor.token(data))
        assert refused == {"ErrorCode": 102147, "Message": "Invalid refresh token", "Value": None}
    assert changed_tables(before, database_state(app)) == {}
    assert rows_of(app, bob) == bobs_rows


def make(vendor, client, player_id, bet_id, kind, amount) -> dict:
    data = {"Amount": amount, "TaxAmount": "0", "BetId": bet_id,
            "PartnerUserId": str(player_id), "TransactionType": kind, "TagId": 7}  # fmt: skip
    return betcore_post(client, "/payments/make", vendor.token(data))


def test_payments_for_another_player_on_a_bet_are_refused(app, vendor, make_player):
    """Once Ann's stake made bet 8001 hers, no payment of it names Bob (102823), one at a
    time or inside a make-list; Ann's own payout still goes through afterwards."""
    ann, bob = make_player(), make_player(email="bob@example.com")
    fund(app, ann, "100.00", "ann-opening")
    fund(app, bob, BOB_BALANCE, "bob-only-marker")
    client = app.test_client()
    assert make(vendor, client, ann, 8001, -1, "10.00")["ErrorCode"] == 200
    before = database_state(app)

    attempts = [(-1, "10.00"), (-1, "1.00"), (1, "50.00"), (2, "10.00"), (-2, "50.00"),
                (4, "500.00")]  # fmt: skip
    codes = [
        make(vendor, client, bob, 8001, kind, amount)["ErrorCode"] for kind, amount in attempts
    ]
    items = [{"Amount": "50.00", "BetId": 8001, "PartnerUserId": str(bob), "TransactionType": 1}]
    listed = betcore_post(client, "/payments/make-list", vendor.token({"Payments": items}))

    assert codes == [102823] * len(attempts)
    assert [item["ErrorCode"] for item in listed["Value"]] == [102823]
    assert changed_tables(before, database_state(app)) == {}
    assert make(vendor, client, ann, 8001, 1, "50.00")["ErrorCode"] == 200  # the control
    assert (euros(app, ann), euros(app, bob)) == (Decimal("140.00"), Decimal(BOB_BALANCE))


# --- player pages ---------------------------------------------------------------------------


def test_pages_show_a_player_only_their_own_money_whatever_the_url(app, client, make_player):
    ann = make_player()
    bob = make_player(email="bob@example.com")
    fund(app, ann, "100.00", "ann-opening")
    fund(app, bob, BOB_BALANCE, "bob-only-marker")
    bobs_game = game_session(app, bob)
    response = submit_form(
        client, "/login", {"identifier": "player@example.com", "password": "secret123"}
    )
    assert response.status_code == 302
    bobs_rows = rows_of(app, bob)
    ids = f"player_id={bob}&player={bob}&user_id={bob}&userId={bob}&id={bob}"
    urls = [
        f"/?{ids}",
        f"/wallet?{ids}",
        f"/wallet/history?{ids}",
        f"/wallet/history?currency=EUR&kind=adjustment&{ids}",
        f"/account?{ids}",
        f"/casino?{ids}&game={bobs_game}&session={bobs_game}",
        f"/sportsbook?{ids}",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert not [m for m in BOB_MARKERS if m in text], url
    assert "ann-opening" in page_text(client.get(f"/wallet/history?{ids}"))
    with app.app_context():  # the frames got Ann's tokens
        for model in (CasinoToken, BetsyToken):
            assert set(db.session.scalars(select(model.player_id))) == {ann}, model
    switched = submit_form(
        client, "/wallet/currency", {"currency": "USD", "player_id": str(bob)}, page="/wallet"
    )
    assert switched.status_code == 302
    with app.app_context():
        assert db.session.get(Player, ann).active_currency == "USD"
    assert rows_of(app, bob) == bobs_rows
