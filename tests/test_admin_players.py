"""The players pages of the back office: search by every field, the player page with
every section for every role, and escaping of what players typed."""

from sqlalchemy import update

from portal.accounts.models import LoginEvent, Player
from portal.extensions import db
from tests.admin_helpers import log_in
from tests.conftest import page_text
from tests.players_data import XSS, fill_sections


def _set(app, player_id, **values):
    with app.app_context():
        db.session.execute(update(Player).where(Player.id == player_id).values(**values))
        db.session.commit()


def _found_ids(client, **args):
    answer = client.get("/admin/players", query_string=args)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    return {int(part.split('"')[0]) for part in html.split('href="/admin/players/')[1:]}


def test_search_finds_a_player_by_each_field(app, client, make_player):
    anna = make_player(email="anna@example.com", login_name="annaplays")
    bob = make_player(email="bob@example.com", login_name="bobby")
    _set(app, anna, first_name="Anna", last_name="Smith", phone="+4915112345678")
    _set(app, bob, first_name="Robert", last_name="Jones", phone="+4917099999999")
    log_in(app, client, "support")
    assert _found_ids(client, q=str(anna)) >= {anna}
    assert bob not in _found_ids(client, q=str(anna)) or str(anna) in "+4917099999999"
    assert _found_ids(client, q="ANNA@example") == {anna}
    assert _found_ids(client, q="bobby") == {bob}
    assert _found_ids(client, q="anna") == {anna}
    assert _found_ids(client, q="smith") == {anna}
    assert _found_ids(client, q="robert jones") == {bob}
    assert _found_ids(client, q="12345678") == {anna}
    assert _found_ids(client, q="%") == set()  # a wildcard is just a character
    assert _found_ids(client) == {anna, bob}


def test_search_filters_by_brand_and_status_and_sorts(app, client, make_player, make_brand):
    other = make_brand(name="Other Casino")
    first = make_player(email="first@example.com")
    second = make_player(email="second@example.com", brand=other)
    _set(app, second, status="blocked")
    log_in(app, client, "finance")
    assert _found_ids(client, brand=str(other)) == {second}
    assert _found_ids(client, status="blocked") == {second}
    assert _found_ids(client, status="active") == {first}
    _set(app, first, status="self_excluded")
    assert _found_ids(client, status="excluded") == {first}
    html = client.get("/admin/players?sort=email&dir=asc").get_data(as_text=True)
    assert html.index("first@example.com") < html.index("second@example.com")
    html = client.get("/admin/players?sort=email&dir=desc").get_data(as_text=True)
    assert html.index("second@example.com") < html.index("first@example.com")
    assert client.get("/admin/players?sort=nonsense&page=x").status_code == 200


def test_the_player_page_shows_every_section_with_data_for_every_role(app, make_player):
    player_id = make_player(email="rich@example.com")
    fill_sections(app, player_id)
    for role in ("admin", "finance", "support"):
        client = app.test_client()
        log_in(app, client, role)
        answer = client.get(f"/admin/players/{player_id}")
        assert answer.status_code == 200, role
        text = page_text(answer)
        for expected in (
            "rich@example.com", "Rich Player",  # profile
            "first_name",  # change history
            "15.00", "10.00",  # real and bonus balance
            "opening balance",  # ledger
            "DEP-REF-1", "424242******4242",  # deposit, withdrawal
            "TENNER",  # bonus with wagering progress
            "deposit day EUR",  # limit history
            "timeout 24h",  # exclusion
            "198.51.100.7",  # session / login
            "tnc",  # signatures
            "777001",  # casino round
            "betsy-tx-1",  # sportsbook bet
            "BARCODE-1",  # coupon
            "Called about a refund",  # note
        ):  # fmt: skip
            assert expected in text, (role, expected)
        assert "refused: bad_credentials" in text


def test_the_ledger_pages_and_long_sections_show_more(app, client, make_player):
    player_id = make_player(email="busy@example.com")
    with app.app_context():
        from portal.wallet import operations as wallet

        player = db.session.get(Player, player_id)
        for n in range(30):
            wallet.adjust(player, "EUR", "1.00", reason=f"credit {n}", operator="test",
                          external_id=f"t:{n}")  # fmt: skip
            db.session.add(LoginEvent(brand_id=player.brand_id, player_id=player_id,
                                      channel="web", success=True, ip=f"10.0.0.{n}"))  # fmt: skip
        db.session.commit()
    log_in(app, client, "support")
    first = page_text(client.get(f"/admin/players/{player_id}"))
    assert "credit 29" in first and "credit 0 " not in first + " "
    assert "page 1 of 2" in first
    second = page_text(client.get(f"/admin/players/{player_id}?page=2"))
    assert "credit 0" in second
    assert "10.0.0.5 " not in first and "Show more" in first
    assert "10.0.0.5" in page_text(client.get(f"/admin/players/{player_id}?more=logins"))


def test_player_text_is_escaped_on_search_and_player_page(app, client, make_player):
    player_id = make_player(email="xss@example.com")
    _set(app, player_id, first_name=XSS, last_name="<b>bold</b>", city='"><img src=x>')
    log_in(app, client, "support")
    for url in ("/admin/players?q=xss", f"/admin/players/{player_id}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x>" not in html


def test_an_unknown_player_is_404(app, client):
    log_in(app, client, "support")
    assert client.get("/admin/players/999999").status_code == 404


def test_sections_with_a_list_of_their_own_link_to_it_for_this_player(app, client, make_player):
    from bs4 import BeautifulSoup

    player_id = make_player(email="rich@example.com")
    fill_sections(app, player_id)
    log_in(app, client, "support")
    soup = BeautifulSoup(
        client.get(f"/admin/players/{player_id}").get_data(as_text=True), "html.parser"
    )
    for name in ("deposits", "withdrawals", "sports_bets", "coupons", "casino_rounds"):
        link = soup.find("a", attrs={"data-testid": f"all-{name}"})
        assert link is not None, name
        assert f"player={player_id}" in link["href"], name
        answer = client.get(link["href"])
        assert answer.status_code == 200, name
        assert " found" in page_text(answer) and "0 found" not in page_text(answer), name
