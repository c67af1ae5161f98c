"""The CRM door as InTarget sees it, for tests/test_crm_access.py and the attack suite
(tests/attack/test_api_crm.py): the app's CRM settings, HTTP Basic headers, windows as
query strings, and the one shape every refusal has."""

import base64
from datetime import datetime

USER = "intarget"
PASSWORD = "s3cret: pass wörd"  # a colon, a space and a non-ASCII letter are allowed
CONFIG = {"CRM_FEED_USER": USER, "CRM_FEED_PASSWORD": PASSWORD, "CRM_SETTLE_SECONDS": 0.2}
START, END = "2026-01-01+00:00:00", "2026-01-01+01:00:00"
PAST = f"from={START}&to={END}"  # a window long over


def basic(user: str = USER, password: str = PASSWORD, encoding: str = "utf-8") -> dict:
    raw = f"{user}:{password}".encode(encoding)
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


AUTH = basic()


def moment(value: datetime) -> str:
    """A time as the query carries it (YYYY-MM-DD+HH:MM:SS)."""
    return value.strftime("%Y-%m-%d+%H:%M:%S")


def refusal(response, status: int) -> str:
    """Assert the door's refusal: `status`, and JSON {"error": <message>} with nothing else
    (never an HTML page, never a row). Returns the message."""
    assert response.status_code == status, (response.status_code, response.get_data()[:300])
    assert response.mimetype == "application/json", (response.mimetype, response.get_data()[:300])
    body = response.get_json()
    assert isinstance(body, dict) and list(body) == ["error"], body
    assert isinstance(body["error"], str) and body["error"], body
    return body["error"]
