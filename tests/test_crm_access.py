"""The CRM door's parameters and access (issue 14), on both databases: every mistake in a
query or a campaign request is a 400 whose message names it, credentials are HTTP Basic
(401 with a challenge), no feed at all without both credentials configured (404),
CRM_ALLOWED_IPS (403), windows that are not over yet (wait, or 400 when too far ahead,
or 503 with Retry-After while a writer that began before `to` is still open), and every
error is JSON {"error": ...}, never an HTML page."""

import base64
import ipaddress
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from portal.crm.models import AutoLogin
from portal.extensions import db
from portal.timeutil import utcnow
from tests.crm_door import AUTH, CONFIG, END, PASSWORD, PAST, START, USER, basic, moment, refusal

FULL_WIDTH_2026 = "%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96"  # ２０２６: digits, but not ASCII
BAD_QUERIES = [  # (query, what the 400's message must name)
    (f"to={END}", "'from' is missing"),
    (f"from={START}", "'to' is missing"),
    (f"from=&to={END}", "'from' is missing"),
    (f"from={START}&to=", "'to' is missing"),
    (f"from=2026-01-01T00:00:00&to={END}", "'from' is not a UTC time"),
    (f"from=2026-01-01&to={END}", "'from' is not a UTC time"),
    (f"from={START}&to=2026-01-01+01:00", "'to' is not a UTC time"),
    (f"from=2026-01-01+0:00:00&to={END}", "'from' is not a UTC time"),
    (f"from=2026-01-01++0:00:00&to={END}", "'from' is not a UTC time"),
    (f"from={START}Z&to={END}", "'from' is not a UTC time"),
    (f"from={START}&to=2026-01-01+01:00:00.000", "'to' is not a UTC time"),
    (f"from=1767225600&to={END}", "'from' is not a UTC time"),
    (f"from={FULL_WIDTH_2026}-01-01+00:00:00&to={END}", "'from' is not a UTC time"),
    (f"from=2026-02-30+00:00:00&to={END}", "'from' is not a UTC time"),
    (f"from=2026-13-01+00:00:00&to={END}", "'from' is not a UTC time"),
    (f"from=2026-01-01+00:60:00&to={END}", "'from' is not a UTC time"),
    (f"from={START}&to=2026-01-01+24:00:00", "'to' is not a UTC time"),
    (f"from=0000-01-01+00:00:00&to={END}", "'from' is not a UTC time"),
    (f"from={START}&from={START}&to={END}", "'from' is given more than once"),
    (f"{PAST}&to={END}", "'to' is given more than once"),
    (f"{PAST}&format=csv&format=json", "'format' is given more than once"),
    (f"{PAST}&limit=10", "unknown parameter 'limit'"),
    (f"{PAST}&From={START}", "unknown parameter 'From'"),
    (f"from={START}&to={START}", "'from' must be earlier than 'to'"),
    (f"from={END}&to={START}", "'from' must be earlier than 'to'"),
    ("from=2026-01-01+00:00:00&to=2026-01-02+00:00:01", "longer than 24 hours"),
    (f"{PAST}&format=xml", "unknown format 'xml'"),
    (f"{PAST}&format=JSON", "unknown format 'JSON'"),
    (f"{PAST}&format=", "unknown format ''"),
]


@pytest.fixture
def app(make_app):
    return make_app(**CONFIG, CRM_MAX_WINDOW_HOURS=24)


def test_bad_parameters_are_400_naming_what_is_wrong(client):
    for query, named in BAD_QUERIES:
        message = refusal(client.get(f"/crm/players?{query}", headers=AUTH), 400)
        assert named in message, (query, message)
    message = refusal(client.get(f"/crm/users?{PAST}", headers=AUTH), 400)
    assert "unknown feed 'users'" in message and "sports-odds" in message  # (and the list)
    day = "from=2026-01-01+00:00:00&to=2026-01-02+00:00:00&format=json"
    assert client.get(f"/crm/players?{day}", headers=AUTH).json == []  # exactly 24 hours


def test_plus_and_percent_20_are_both_the_space(client, make_player, clock):
    player_id = make_player(email="space@example.com")
    written = utcnow()
    clock.travel(timedelta(hours=1))  # the window around the write is over
    start, end = moment(written - timedelta(minutes=1)), moment(written + timedelta(minutes=1))
    answers = {}
    for space in ("+", "%20"):
        query = f"from={start.replace('+', space)}&to={end.replace('+', space)}&format=json"
        response = client.get(f"/crm/players?{query}", headers=AUTH)
        assert response.status_code == 200, response.get_data()
        answers[space] = response.json
    assert [row["id"] for row in answers["+"]] == [str(player_id)]
    assert answers["%20"] == answers["+"]
    plus = start.replace("+", "%2B")  # a real plus sign is not a space
    message = refusal(client.get(f"/crm/players?from={plus}&to={end}", headers=AUTH), 400)
    assert "'from' is not a UTC time" in message


def test_missing_or_wrong_credentials_are_401_with_a_basic_challenge(client):
    def encoded(raw: bytes) -> dict:
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}

    attempts = {
        "none": {},
        "wrong user": basic("someone", PASSWORD),
        "wrong password": basic(USER, "s3cret: pass word"),
        "user in upper case": basic(USER.upper(), PASSWORD),
        "password cut at its colon": basic(USER, "s3cret"),
        "empty password": basic(USER, ""),
        "empty user": basic("", PASSWORD),
        "swapped": basic(PASSWORD.replace(":", ""), USER),
        "latin-1 instead of UTF-8": basic(USER, PASSWORD, encoding="latin-1"),
        "no colon": encoded(f"{USER}{PASSWORD}".encode()),
        "not base64": {"Authorization": "Basic !!!not base64!!!"},
        "bearer": {"Authorization": f"Bearer {PASSWORD}"},
        "digest": {"Authorization": f'Digest username="{USER}", response="x"'},
        "raw password": {"Authorization": PASSWORD},
    }
    for label, headers in attempts.items():
        for method, url in (("GET", f"/crm/players?{PAST}"), ("POST", "/crm/auto-logins")):
            response = client.open(url, method=method, headers=headers, json={"player_ids": [1]})
            refusal(response, 401)
            challenge = response.headers.get("WWW-Authenticate", "")
            assert challenge.startswith('Basic realm="CRM feeds"'), (label, challenge)
    in_query = f"/crm/players?{PAST}&user={USER}&password={PASSWORD}"
    refusal(client.get(in_query), 401)  # credentials are a header, never the query
    assert client.get(f"/crm/players?{PAST}", headers=AUTH).status_code == 200


def test_no_feed_without_both_credentials_configured(app, client):
    for user, password in (("", PASSWORD), (USER, ""), ("", "")):
        app.config.update(CRM_FEED_USER=user, CRM_FEED_PASSWORD=password)
        for headers in (AUTH, basic(user, password), {}):  # even "matching" empty ones
            feed = client.get(f"/crm/players?{PAST}", headers=headers)
            assert "not enabled" in refusal(feed, 404)
            campaign = client.post("/crm/auto-logins", headers=headers, json={"player_ids": [1]})
            assert "not enabled" in refusal(campaign, 404)


def test_allowed_ips(app, client):
    allowed = ("10.0.0.0/8", "2001:db8::/32")
    app.config["CRM_ALLOWED_IPS"] = tuple(ipaddress.ip_network(n) for n in allowed)
    for address in ("192.0.2.7", "127.0.0.1", "11.0.0.1", "2001:db9::1", "::1"):
        outside = {"REMOTE_ADDR": address}
        for headers in (AUTH, {}, basic(USER, "guess")):
            feed = client.get(f"/crm/players?{PAST}", headers=headers, environ_base=outside)
            assert "may not read" in refusal(feed, 403), address
            campaign = client.post(
                "/crm/auto-logins", headers=headers, json={"player_ids": [1]}, environ_base=outside
            )
            refusal(campaign, 403)
    for address in ("10.1.2.3", "2001:db8::5"):
        inside = {"REMOTE_ADDR": address}
        feed = client.get(f"/crm/players?{PAST}", headers=AUTH, environ_base=inside)
        assert feed.status_code == 200, address
        refusal(client.get(f"/crm/players?{PAST}", environ_base=inside), 401)


def test_a_window_too_far_ahead_is_400(app, client):
    now = utcnow()
    ahead = now + timedelta(seconds=app.config["CRM_SETTLE_WAIT_SECONDS"] + 60)
    query = f"from={moment(now)}&to={moment(ahead)}"
    assert "'to' is in the future" in refusal(
        client.get(f"/crm/players?{query}", headers=AUTH), 400
    )
    app.config["CRM_SETTLE_SECONDS"] = 1.0  # the last second there is, plus a margin: no 500
    query = "from=9999-12-31+23:00:00&to=9999-12-31+23:59:59"
    assert "'to' is in the future" in refusal(
        client.get(f"/crm/players?{query}", headers=AUTH), 400
    )
    query = "from=0001-01-01+00:00:00&to=0001-01-01+01:00:00&format=json"  # the first hour
    assert client.get(f"/crm/players?{query}", headers=AUTH).json == []


def test_a_window_not_over_yet_waits_and_then_answers_with_what_was_written(
    app, client, make_player
):
    app.config["CRM_SETTLE_SECONDS"] = 0.3
    end = (utcnow() + timedelta(seconds=2)).replace(microsecond=0)  # 1 to 2 s ahead
    written = {}

    def late_writer():  # registers a player while the feed waits, well before `end`
        time.sleep(0.2)
        written["id"] = make_player(email="late@example.com")

    writer = threading.Thread(target=late_writer)
    writer.start()
    query = f"from={moment(end - timedelta(hours=1))}&to={moment(end)}&format=json"
    response = client.get(f"/crm/players?{query}", headers=AUTH)
    answered = utcnow()
    writer.join()
    assert response.status_code == 200, response.get_data()
    assert answered >= end + timedelta(seconds=0.3)  # it waited for the window and the margin
    assert [row["id"] for row in response.json] == [str(written["id"])]


def test_a_window_with_an_open_writer_is_503_with_retry_after(app, client, make_player):
    """A transaction that began before `to` and still writes may stamp rows inside the
    window: the feed waits CRM_SETTLE_WAIT_SECONDS for it, then answers 503."""
    player_id = make_player()
    app.config.update(CRM_SETTLE_SECONDS=0, CRM_SETTLE_WAIT_SECONDS=0.5)
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        connection.execute(
            text("UPDATE player SET city = 'Late' WHERE id = :id"), {"id": player_id}
        )
        end = (utcnow() + timedelta(seconds=1)).replace(microsecond=0)
        time.sleep(max(0.0, (end - utcnow()).total_seconds()))  # the writer began before `to`
        query = f"from={moment(end - timedelta(hours=1))}&to={moment(end)}"
        try:
            response = client.get(f"/crm/players?{query}", headers=AUTH)
            assert "not settled" in refusal(response, 503)
            assert response.headers["Retry-After"].isdigit()
        finally:
            transaction.rollback()
            connection.close()
    assert client.get(f"/crm/players?{query}", headers=AUTH).status_code == 200


BAD_BODIES = [  # (body: bytes as sent, or a value sent as JSON; what the message names)
    (b"player_ids=1", "the body must be a JSON object"),
    (b"", "the body must be a JSON object"),
    (b"[1, 2]", "the body must be a JSON object"),
    (b'"12"', "the body must be a JSON object"),
    (b'{"player_ids": [NaN]}', "the body must be a JSON object"),
    (b"[" * 5000 + b"]" * 5000, "the body must be a JSON object"),  # deeper than Python goes
    ({}, "'player_ids' must be a list"),
    ({"player_ids": "12"}, "'player_ids' must be a list"),
    ({"player_ids": None}, "'player_ids' must be a list"),
    ({"player_ids": []}, "'player_ids' must be a list of 1 to 1000 ids"),
    ({"player_ids": list(range(1, 1002))}, "'player_ids' must be a list of 1 to 1000 ids"),
    *(
        ({"player_ids": [value]}, "'player_ids' must hold player ids")
        for value in (
            "abc",
            -1,
            "-1",
            1.5,
            True,
            None,
            "²",
            "١٢٣",
            "１２",
            " 1",
            "1e3",
            "1" * 19,
            [1],
            {"id": 1},
        )
    ),  # fmt: skip
    ({"player_ids": ["1\ud800"]}, "'player_ids' contains an invalid character"),
    ({"player_ids": [1], "campaign": 5}, "'campaign' must be a text of at most 100"),
    ({"player_ids": [1], "campaign": "x" * 101}, "'campaign' must be a text of at most 100"),
    ({"player_ids": [1], "campaign": "spring\x00"}, "'campaign' contains a NUL character"),
    ({"player_ids": [1], "campain": "typo"}, "unknown field 'campain'"),
]


def test_campaign_requests_are_checked(app, client, make_player):
    for body, named in BAD_BODIES:
        sent = {"data": body} if isinstance(body, bytes) else {"json": body}
        response = client.post("/crm/auto-logins", headers=AUTH, **sent)
        assert named in refusal(response, 400), body
    refusal(client.post("/crm/auto-logins", headers=AUTH, data=b" " * 70_000), 413)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AutoLogin)) == 0

    player_id = make_player()
    ids = [str(player_id), player_id, f"00{player_id}", "999999999999999999"]
    response = client.post("/crm/auto-logins", headers=AUTH, json={"player_ids": ids})
    assert response.status_code == 200, response.json
    (link,) = response.json["links"]  # one player, however the id is spelled: one link
    assert link["player_id"] == str(player_id)
    assert response.json["refused"] == [{"player_id": "999999999999999999", "reason": "unknown"}]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AutoLogin)) == 1


def test_other_methods_and_paths_answer_json(client):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        refusal(client.open(f"/crm/players?{PAST}", method=method, headers=AUTH), 405)
    for method in ("PUT", "DELETE", "PATCH"):
        refusal(client.open("/crm/auto-logins", method=method, headers=AUTH), 405)
    for path in ("/crm", "/crm/", "/crm/players/extra", "/crm/auto-logins/1"):
        refusal(client.get(f"{path}?{PAST}", headers=AUTH), 404)


def test_a_campaign_link_reaches_the_auto_logins_feed(client, make_player, clock):
    """The feed's rows are written while the answer streams, after the view returned: the
    tokens (signed with the app's key) must still be computed then, not crash the stream."""
    player_id = make_player()
    issued = utcnow()
    response = client.post("/crm/auto-logins", headers=AUTH, json={"player_ids": [player_id]})
    (link,) = response.json["links"]
    clock.travel(timedelta(hours=1))
    window = (
        f"from={moment(issued - timedelta(minutes=1))}&to={moment(issued + timedelta(minutes=1))}"
    )
    for format_ in ("csv", "json"):
        feed = client.get(f"/crm/auto-logins?{window}&format={format_}", headers=AUTH)
        assert feed.status_code == 200
        assert link["login_token"] in feed.get_data(as_text=True), format_


def test_an_answer_never_read_gives_its_database_connection_back(app, client):
    with app.app_context():
        pool = db.engine.pool
    for format_ in ("csv", "json"):
        url = f"/crm/players?{PAST}&format={format_}"
        with client.head(url, headers=AUTH) as head:  # a HEAD answer has no body to stream
            assert head.status_code == 200 and head.data == b""
        assert pool.checkedout() == 0, format_
        client.get(url, headers=AUTH).close()  # a client gone before the first row
        assert pool.checkedout() == 0, format_
        assert client.get(url, headers=AUTH).data  # read to the end
        assert pool.checkedout() == 0, format_
