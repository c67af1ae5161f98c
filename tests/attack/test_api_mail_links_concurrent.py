"""One mail link used by eight clients at the same moment (real threads released by a
barrier, each with its own test client and, on the pages, its own CSRF token): exactly one
use succeeds and leaves its trace once (one session, one password change, one mail...);
the other seven get the documented refusal. On both databases.

Issue 9, defect 3: on PostgreSQL a reset link used this way worked four times out of
eight (the token row was re-selected FOR UPDATE but the copy already loaded kept its stale
"unused" state).
"""

import pytest

from portal.accounts.models import Player
from portal.extensions import db
from tests.attack.api_support import backend, run_together
from tests.attack.mail_links import (
    GENERAL_FAILURE,
    activation_link,
    counts,
    email_change_links,
    form_token,
    john,
    press,
    refused,
    reset_link,
)
from tests.gateway_flows import VERIFY, login
from tests.harness.scale import report, scaled

THREADS = 8


def delta(before: dict, after: dict) -> dict:
    return {name: after[name] - before[name] for name in before if after[name] != before[name]}


def test_a_reset_link_used_at_once_through_the_gateway_works_once(app, client, brand_id):
    john(client, brand_id)
    rounds, anomalies = scaled(1, 10), []
    for round_ in range(rounds):
        hash_ = reset_link(app, client, brand_id).split("hash=", 1)[1]
        password = f"fresh{round_}x234"
        before = counts(app)

        def use(password=password, hash_=hash_):
            response = app.test_client().post(
                f"{VERIFY.format(brand_id)}?hash={hash_}", json={"new_password": password}
            )
            return response.status_code, response.json

        results = run_together([use] * THREADS)
        won = [body for status, body in results if status == 202]
        lost = [(status, body) for status, body in results if status != 202]
        changed = delta(before, counts(app))
        if len(won) != 1 or {(s, str(b)) for s, b in lost} != {(400, str(GENERAL_FAILURE))}:
            anomalies.append((round_, "answers", sorted(status for status, _ in results)))
        expected = {"sessions": 1, "password_changes": 1, "password_mails": 1, "used_links": 1}
        if {k: v for k, v in changed.items() if k in expected} != expected:
            anomalies.append((round_, "traces", changed))
        if counts(app)["live_sessions"] != 1:  # the winner's; every older one ended
            anomalies.append((round_, "live sessions", counts(app)["live_sessions"]))
        assert login(client, brand_id, password=password).status_code == 200
    report(
        "attack-reset-race-gateway",
        backend=backend(app),
        rounds=rounds,
        threads=THREADS,
        anomalies=len(anomalies),
    )
    assert anomalies == [], anomalies


LINKS = {  # kind -> (traces of the one success, status of the success, form data)
    "reset": ({"sessions": 1, "password_changes": 1, "password_mails": 1}, 302,
              {"new_password": "fresh1234"}),
    "activation": ({}, 200, {}),
    "email_confirmation": ({"email_changes": 1}, 200, {}),
    "email_cancel": ({"pending_changes": 1}, 200, {}),
}  # fmt: skip


def link_of(kind, app, client, brand_id, token) -> str:
    if kind == "reset":
        return reset_link(app, client, brand_id)
    if kind == "activation":
        return activation_link(app)
    confirm, cancel = email_change_links(app, client, brand_id, token)
    return confirm if kind == "email_confirmation" else cancel


@pytest.mark.parametrize("kind", list(LINKS))
def test_a_link_used_at_once_on_the_pages_works_once(app, client, brand_id, kind):
    player_id, token = john(client, brand_id)
    link = link_of(kind, app, client, brand_id, token)
    traces, success, data = LINKS[kind]
    clients = [app.test_client() for _ in range(THREADS)]
    before = counts(app)

    results = run_together(
        [lambda csrf, c=c: press(c, link, data, csrf) for c in clients],
        prepare=lambda i: form_token(clients[i], link),
    )

    statuses = sorted(r.status_code for r in results)
    assert statuses == sorted([success] + [400] * (THREADS - 1)), statuses
    assert all(refused(r) for r in results if r.status_code == 400)
    changed = delta(before, counts(app))
    assert {k: v for k, v in changed.items() if k in traces or k == "used_links"} == {
        **traces,
        "used_links": 1,
    }
    with app.app_context():
        found = db.session.get(Player, player_id)
        if kind == "activation":
            assert found.email_verified_at is not None
        if kind == "email_confirmation":
            assert (found.email, found.pending_email) == ("new@example.com", None)
        if kind == "email_cancel":
            assert (found.email, found.pending_email) == ("john@example.com", None)
