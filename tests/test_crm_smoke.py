import base64

import pytest

from portal.crm.feeds import FEEDS

AUTH = {"Authorization": "Basic " + base64.b64encode(b"crm:secret").decode()}


@pytest.fixture
def crm_app(make_app):
    return make_app(CRM_FEED_USER="crm", CRM_FEED_PASSWORD="secret")


@pytest.mark.parametrize("name", list(FEEDS))
@pytest.mark.parametrize("format_", ["csv", "json"])
def test_every_feed_answers(crm_app, name, format_):
    client = crm_app.test_client()
    url = f"/crm/{name}?from=2026-01-01+00:00:00&to=2026-01-01+01:00:00&format={format_}"
    response = client.get(url, headers=AUTH)
    assert response.status_code == 200, response.data
    print(response.data[:300])
