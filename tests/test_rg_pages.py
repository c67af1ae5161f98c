"""The player's responsible-gambling page, posted like a browser (CSRF included): limits of
each kind, the cooling-off of a raise, refusals in words with nothing written, time-out,
self-exclusion, closure and reopening, the restricted mode of an excluded player (the
other pages send them to the page; withdrawing stays possible), the footer link and the
history. No app context is held around the client's requests."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from portal.accounts.models import Player, PlayerSession
from portal.extensions import db
from portal.limits import operations, rules, words
from portal.limits.errors import PlayRefused
from portal.limits.models import Exclusion, LimitChange, PlayerLimit
from portal.payments.cli import method_row
from portal.payments.models import Deposit
from portal.wallet import operations as wallet
from portal.wallet import queries
from tests.conftest import page_text, submit_form

RG = "/responsible-gambling"
DAY = timedelta(hours=24)
PLAY_PAGES = ("/", "/casino", "/sportsbook", "/coupons", "/coupons/mine", "/bonuses")


def log_in(client):
    data = {"identifier": "player@example.com", "password": "secret123"}
    return submit_form(client, "/login", data, page="/login")


def post(client, data, **kwargs):
    return submit_form(client, RG, data, page=RG, **kwargs)


def set_limit(client, kind, value, *, period=None, currency="EUR", do="set", **kwargs):
    data = {"action": "limit", "kind": kind, "period": period or rules.periods_of(kind)[0]}
    data |= {"currency": currency, "value": value, "do": do}
    return post(client, data, **kwargs)


def exclude(client, kind, duration=None, reason="", confirm=True, **kwargs):
    data = {"action": kind, "duration": duration or "", "reason": reason}
    return post(client, data | ({"confirm": "y"} if confirm else {}), **kwargs)


def said(text: str) -> str:
    """A text as the page shows it to a reader (white space of any kind as one space)."""
    return " ".join(text.split())


def flashes(response) -> list[str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [" ".join(p.get_text(" ").split()) for p in soup.select("p.flash")]


def table(response, testid) -> list[list[str]]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    found = soup.find(attrs={"data-testid": testid})
    if found is None:
        return []
    rows = found.select("tbody tr")
    return [[" ".join(td.get_text(" ").split()) for td in row.find_all("td")] for row in rows]


def counts(app) -> tuple[int, int, int]:
    """(limits, changes, exclusions) written."""
    with app.app_context():
        found = tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (PlayerLimit, LimitChange, Exclusion)
        )
        db.session.rollback()
        return found


def player_row(app, player_id):
    with app.app_context():
        player = db.session.get(Player, player_id)
        db.session.expunge(player)
        return player


@pytest.fixture
def player(make_player):
    return make_player()


@pytest.fixture
def cashier(app, brand_id, player):
    """The sandbox provider offered in EUR, and 100.00 EUR the player deposited by card."""
    with app.app_context():
        limits = {"min_deposit": "5.00", "max_deposit": "1000.00", "min_withdrawal": "5.00",
                  "max_withdrawal": "500.00"}  # fmt: skip
        method_row(brand_id, "sandbox", "EUR", limits)
        card = {"provider": "sandbox", "status": "success", "requisite": "424242******4242"}
        db.session.add(
            Deposit(reference="D1", player_id=player, currency="EUR", amount=10000, **card)
        )
        holder = db.session.get(Player, player)
        wallet.adjust(holder, "EUR", "100.00", reason="t", operator="t", external_id="d1")
        db.session.commit()


# --- limits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "period", "currency", "value", "shown"),
    [
        ("deposit", "week", "USD", "250", "250.00 USD"),
        ("loss", "month", "EUR", "80.5", "80.50 EUR"),
        ("stake", "bet", "EUR", "5", "5.00 EUR"),
        ("bets", "day", "", "20", "20 bets"),
        ("session", "session", "", "45", "45 minutes"),
    ],
)
def test_each_kind_of_limit_is_set_through_its_form(
    app, client, player, kind, period, currency, value, shown
):
    log_in(client)
    answer = set_limit(client, kind, value, period=period, currency=currency)
    assert (answer.status_code, answer.headers["Location"]) == (302, f"{RG}#limits")
    page = client.get(RG)
    name = words.limit_name(kind, period, currency)
    assert flashes(page) == [f"{name}: {shown}, from now on."]
    assert table(page, "limits") == [[name, shown, ""]]
    with app.app_context():
        row = db.session.scalar(select(PlayerLimit))
        assert (row.kind, row.period, row.currency, row.pending_at) == (
            kind,
            period,
            currency,
            None,
        )
        assert row.player_id == player and db.session.get(Player, player).limited == (
            kind in rules.STAKE_KINDS
        )


def test_a_lower_limit_applies_at_once_and_a_raise_or_removal_after_a_day(app, client, player):
    log_in(client)
    set_limit(client, "deposit", "100")
    set_limit(client, "deposit", "60")
    page = client.get(RG)
    assert flashes(page) == ["Deposit limit per 24 hours (EUR): 60.00 EUR, from now on."]
    assert table(page, "limits")[0][1:] == ["60.00 EUR", ""]

    set_limit(client, "deposit", "200")
    with app.app_context():
        due = said(words.when(db.session.scalar(select(PlayerLimit.pending_at))))
    page = client.get(RG)
    assert flashes(page) == [
        f"Deposit limit per 24 hours (EUR) rises to 200.00 EUR on {due}, after a 24-hour "
        "cooling-off; until then 60.00 EUR applies."
    ]
    assert table(page, "limits")[0][1:] == ["60.00 EUR", f"Raises to 200.00 EUR on {due}"]

    set_limit(client, "loss", "30", period="week")
    set_limit(client, "loss", "", period="week", do="remove")
    page = client.get(RG)
    assert (
        "is removed on" in flashes(page)[0] and "until then 30.00 EUR applies" in flashes(page)[0]
    )
    assert table(page, "limits")[1][1:] == ["30.00 EUR", f"Removed on {due}"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LimitChange)) == 5


def test_after_the_cooling_off_the_raise_applies(app, client, player, clock):
    log_in(client)
    set_limit(client, "stake", "10")
    set_limit(client, "stake", "25")
    clock.travel(DAY + timedelta(minutes=1))
    log_in(client)  # (the session has been idle for a day)
    assert table(client.get(RG), "limits") == [["Stake limit per bet (EUR)", "25.00 EUR", ""]]


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"kind": "deposit", "value": "ten"}, operations.WORDS["amount"]),
        ({"kind": "deposit", "value": "-5"}, operations.WORDS["amount"]),
        ({"kind": "deposit", "value": "1.001"}, operations.WORDS["amount"]),
        ({"kind": "deposit", "value": "10", "currency": "GBP"}, operations.WORDS["currency"]),
        ({"kind": "loss", "value": "10", "period": "year"}, operations.WORDS["period"]),
        ({"kind": "stake", "value": "10", "period": "day"}, operations.WORDS["period"]),
        ({"kind": "bets", "value": "0"}, operations.WORDS["count"]),
        ({"kind": "bets", "value": "2.5"}, operations.WORDS["count"]),
        ({"kind": "session", "value": "1441"}, operations.WORDS["minutes"]),
        ({"kind": "poker", "value": "1", "period": "day"}, operations.WORDS["kind"]),
        ({"kind": "deposit", "value": "", "do": "remove"}, "You have no such limit to remove."),
    ],
)
def test_invalid_limits_are_answered_in_words_and_nothing_is_written(
    app, client, player, data, said
):
    log_in(client)
    fields = {"period": rules.periods_of(data["kind"])[0] if data["kind"] in rules.KINDS else ""}
    answer = set_limit(client, **(fields | data))
    assert answer.status_code == 422
    soup = BeautifulSoup(answer.get_data(as_text=True), "html.parser")
    form = soup.find(attrs={"data-testid": f"limit-{data['kind']}"})
    errors = [p.get_text() for p in (form or soup).select("p.error")]
    assert errors == [said]  # (next to the form it came from)
    assert counts(app) == (0, 0, 0)


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"action": "timeout", "duration": "24h"}, "Please tick the box to confirm"),
        ({"action": "timeout", "duration": "2h", "confirm": "y"}, operations.WORDS["duration"]),
        ({"action": "self-exclusion", "duration": "24h", "confirm": "y"}, "Choose one of"),
        ({"action": "closure", "reason": "", "confirm": "y"}, operations.WORDS["reason"]),
        ({"action": "closure", "reason": "x" * 501, "confirm": "y"}, operations.WORDS["reason"]),
        ({"action": "closure", "reason": "enough"}, "Please tick the box to confirm"),
        ({"action": "reopen"}, operations.WORDS["not_excluded"]),
        ({"action": "nothing"}, "Choose one of the forms on this page."),
    ],
)
def test_invalid_exclusions_are_answered_in_words_and_nothing_is_written(
    app, client, player, data, said
):
    log_in(client)
    answer = post(client, data)
    assert answer.status_code == 422 and said in page_text(answer)
    assert counts(app) == (0, 0, 0)
    assert player_row(app, player).status == "active"
    assert client.get("/casino").status_code == 200  # still logged in, still playing


def test_a_form_without_its_csrf_token_changes_nothing(app, client, player):
    log_in(client)
    data = {"action": "timeout", "duration": "24h", "confirm": "y", "csrf_token": "stale"}
    answer = client.post(RG, data=data)
    assert answer.status_code == 400 and "The form has expired" in page_text(answer)
    assert counts(app) == (0, 0, 0)


# --- exclusions and the restricted mode ----------------------------------------------------


def test_a_time_out_logs_out_and_the_next_login_explains_and_restricts(
    app, client, player, cashier, clock
):
    log_in(client)
    before = client.get_cookie("session").value
    answer = exclude(client, "timeout", "24h", reason="a break")
    assert (answer.status_code, answer.headers["Location"]) == (302, "/login")
    with app.app_context():
        until = said(words.when(db.session.scalar(select(Exclusion.ends_at))))
        assert db.session.scalar(select(PlayerSession.revoked_at)) is not None
    login_page = client.get("/login")
    assert flashes(login_page) == [
        f"You are logged out. You are taking a time-out until {until}. "
        "You can still withdraw your money."
    ]
    assert client.get("/wallet").headers["Location"].startswith("/login")  # nobody logged in
    client.set_cookie("session", before)  # nor with the cookie from before
    assert client.get("/wallet").headers["Location"].startswith("/login")
    row = player_row(app, player)
    assert (row.status, row.opt_out_email, row.opt_out_sms) == ("timed_out", True, True)

    answer = log_in(client)
    assert (answer.status_code, answer.headers["Location"]) == (302, RG)
    page = client.get(RG)
    notice = f"You are taking a time-out until {until}. You can still withdraw your money."
    assert flashes(page) == [notice]
    assert "Time-out" in page_text(page) and notice in page_text(page)
    nav = BeautifulSoup(page.get_data(as_text=True), "html.parser").select("header nav a")
    links = {a.get_text() for a in nav}
    assert "Cashier" in links and not {"Casino", "Sports", "Bet slip", "Bonuses"} & links
    for path in PLAY_PAGES:
        assert client.get(path).headers.get("Location") == RG, path
    deposit = {"amount": "10.00", "currency": "EUR", "provider": "sandbox"}
    assert submit_form(client, "/cashier", deposit).headers["Location"] == RG

    cashier_page = client.get("/cashier")
    text = cashier_page.get_data(as_text=True)
    assert cashier_page.status_code == 200 and 'data-testid="withdraw-form"' in text
    assert 'data-testid="deposit-form"' not in text and "Deposits are closed" in text
    for path in ("/wallet", "/wallet/history", "/account", "/account/password", "/terms"):
        assert client.get(path).status_code == 200, path
    withdraw = {"amount": "20.00", "currency": "EUR", "provider": "sandbox"}
    withdraw["requisite"] = "424242******4242"
    asked = submit_form(client, "/cashier/withdraw", withdraw, page="/cashier")
    assert asked.status_code == 302 and asked.headers["Location"].startswith("/cashier")
    assert "Your withdrawal is requested" in page_text(client.get("/cashier"))
    with app.app_context():
        assert queries.real_balance(player, "EUR") == 80

    clock.travel(DAY + timedelta(minutes=1))
    assert log_in(client).headers["Location"] == "/"
    assert client.get("/casino").status_code == 200
    cashier_page = client.get("/cashier")
    assert 'data-testid="deposit-form"' in cashier_page.get_data(as_text=True)
    nav = BeautifulSoup(cashier_page.get_data(as_text=True), "html.parser").select("header nav a")
    assert {"Casino", "Sports", "Bet slip", "Bonuses"} <= {a.get_text() for a in nav}


def test_a_self_exclusion_cannot_be_shortened_from_the_page(app, client, player):
    log_in(client)
    exclude(client, "self-exclusion", "1y")
    with app.app_context():
        ends = said(words.when(db.session.scalar(select(Exclusion.ends_at))))
    log_in(client)
    page = client.get(RG)
    assert flashes(page) == [
        f"You are self-excluded until {ends}. You can still withdraw your money."
    ]
    until = table_until(page)
    assert until == f"{ends}, then until you ask to come back"
    answer = exclude(client, "timeout", "6w")
    assert answer.status_code == 422
    refusal = f"{operations.WORDS['already_excluded']} It applies until {ends}."
    assert refusal in page_text(answer)
    shorter = exclude(client, "self-exclusion", "6m")
    assert shorter.status_code == 422 and refusal in page_text(shorter)
    assert counts(app)[2] == 1
    assert player_row(app, player).status == "self_excluded"
    refused = post(client, {"action": "reopen"})  # (not ended yet)
    assert refused.status_code == 422
    assert f"{operations.WORDS['not_ended']} It ends on {ends}." in page_text(refused)
    assert not BeautifulSoup(refused.get_data(as_text=True), "html.parser").find(
        attrs={"data-testid": "reopen-form"}
    )


def table_until(page) -> str:
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    return said(soup.find(attrs={"data-testid": "exclusion-until"}).get_text())


def test_an_indefinite_self_exclusion_says_so(app, client, player):
    log_in(client)
    exclude(client, "self-exclusion", "indefinite", reason="for good")
    log_in(client)
    page = client.get(RG)
    assert flashes(page) == [
        "You are self-excluded indefinitely. You can still withdraw your money."
    ]
    assert table_until(page) == "indefinite" and "for good" in page_text(page)
    answer = post(client, {"action": "reopen"})
    assert operations.WORDS["indefinite"] in page_text(answer)


def test_closure_needs_a_reason_and_is_not_a_self_exclusion(app, client, player):
    log_in(client)
    assert exclude(client, "closure", reason=" ").status_code == 422
    answer = exclude(client, "closure", reason="I play elsewhere", follow_redirects=True)
    assert flashes(answer)[0].startswith("You are logged out. You have closed your account.")
    with app.app_context():
        closed = db.session.scalar(select(Exclusion))
        assert (closed.kind, closed.reason, closed.duration) == (
            "closure",
            "I play elsewhere",
            None,
        )
    assert player_row(app, player).status == "closed"
    assert log_in(client).headers["Location"] == RG
    page = client.get(RG)
    assert "Account closed" in page_text(page)
    assert table_until(page) == "until you ask to reopen your account"
    html = page.get_data(as_text=True)
    assert 'data-testid="reopen-form"' in html and 'data-testid="closure-form"' not in html


def test_asking_to_reopen_after_the_end_lets_the_player_play_a_day_later(
    app, client, player, clock
):
    with app.app_context():
        holder = db.session.get(Player, player)
        wallet.adjust(holder, "EUR", "50.00", reason="t", operator="t", external_id="open")
        db.session.commit()
    log_in(client)
    exclude(client, "self-exclusion", "6m")
    clock.travel(timedelta(days=184))
    log_in(client)
    page = client.get(RG)
    assert flashes(page)[0].startswith("Your self-exclusion ended on ")
    assert table_until(page).startswith("until you ask to come back (it ended on ")
    assert client.get("/casino").headers["Location"] == RG

    answer = post(client, {"action": "reopen"}, follow_redirects=True)
    with app.app_context():
        reopen = said(words.when(db.session.scalar(select(Exclusion.reopen_at))))
    assert flashes(answer) == [f"Thank you. Your account reopens on {reopen}."]
    assert table_until(answer) == f"{reopen} (you asked to reopen your account)"
    assert 'data-testid="reopen-form"' not in answer.get_data(as_text=True)
    assert post(client, {"action": "reopen"}).status_code == 422  # (asked already)
    assert client.get("/casino").headers["Location"] == RG
    with app.app_context(), pytest.raises(PlayRefused):
        wallet.debit(
            db.session.get(Player, player), "EUR", "1.00", source="betsy", external_id="b1"
        )

    clock.travel(DAY + timedelta(minutes=1))
    assert log_in(client).headers["Location"] == "/"
    assert client.get("/casino").status_code == 200
    with app.app_context():
        wallet.debit(
            db.session.get(Player, player), "EUR", "1.00", source="betsy", external_id="b2"
        )
        db.session.commit()


# --- the footer, visitors, the cashier's link, the history ---------------------------------


def footer_link(response) -> str | None:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    footer = soup.find("footer")
    link = footer and footer.find("a", string="Responsible gambling")
    return link["href"] if link else None


def test_every_page_links_to_responsible_gambling_in_its_footer(client, player):
    for path in ("/", "/login", "/register", "/forgot-password", "/casino"):
        assert footer_link(client.get(path)) == RG, path
    log_in(client)
    for path in ("/", "/wallet", "/account"):
        assert footer_link(client.get(path)) == RG, path


def test_visitors_read_what_each_tool_does_and_are_asked_to_log_in(client, player):
    page = client.get(RG)
    text = page_text(page)
    assert page.status_code == 200 and "Log in to set your limits" in text
    assert "Self-exclusion" in text and "BeGambleAware" in text and "GamCare" in text
    assert 'data-testid="limit-deposit"' not in page.get_data(as_text=True)
    data = {"action": "timeout", "duration": "24h", "confirm": "y"}
    answer = submit_form(client, RG, data, page="/login")
    assert answer.headers["Location"].startswith("/login?next=")


def test_the_cashier_links_to_the_deposit_limit(client, player, cashier):
    log_in(client)
    soup = BeautifulSoup(client.get("/cashier").get_data(as_text=True), "html.parser")
    link = soup.find(attrs={"data-testid": "deposit-limit-link"})
    assert (link.get_text(), link["href"]) == ("Set a deposit limit", f"{RG}#limit-deposit")


def test_the_history_shows_who_changed_what_and_when(app, client, player, clock):
    log_in(client)
    set_limit(client, "bets", "10", period="week")
    clock.travel(timedelta(hours=2))
    with app.app_context():
        holder = db.session.get(Player, player)
        operations.set_limit(holder, "bets", "week", "", 5, actor="operator:ann", reason="call")
        db.session.commit()
        times = [
            said(words.when(c.created_at))
            for c in db.session.scalars(select(LimitChange).order_by(LimitChange.id.desc()))
        ]
    log_in(client)
    rows = table(client.get(RG), "changes")
    what = "Bet limit per 7 days"
    assert rows == [
        [times[0], what, "Lowered", "10 bets", "5 bets", times[0], "Our support team"],
        [times[1], what, "Set", "none", "10 bets", times[1], "You"],
    ]
