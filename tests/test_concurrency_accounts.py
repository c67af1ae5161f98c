"""Registrations racing for one address: exactly one wins, the others get a clean 422."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from portal.accounts.models import Player
from portal.extensions import db

THREADS = 6


def test_simultaneous_registrations_of_one_email(app, brand_id):
    barrier = threading.Barrier(THREADS)

    def register(n):
        client = app.test_client()
        body = {"email": "race@example.com", "password": "goal2024x", "over18": True}
        barrier.wait()
        response = client.post(f"/gateway/reg-step-one/1/{brand_id}", json=body)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(register, range(THREADS)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [422] * (THREADS - 1)
    for status, body in results:
        if status == 422:
            assert body == {"result": [{"field": "email", "errorCode": "email_already_exists"}]}
    with app.app_context():
        assert db.session.scalar(select(func.count(Player.id))) == 1
