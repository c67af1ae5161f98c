"""Every form of the player pages that uses templates/_macros/forms.html: a field's errors
are linked to it (aria-describedby to an element holding them, aria-invalid), the form's
own errors are in a role=alert region, ids are unique on the page, and static/forms.js
(which moves the focus to the first error: tests/test_browser_forms.py) is loaded with
the page's CSP nonce."""

import re
from collections import Counter

import pytest
from bs4 import BeautifulSoup

from tests.conftest import submit_form

REGISTRATION = {"email": "not-an-email", "password": "abc", "currency": "EUR"}


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def assert_unique_ids(soup):
    counts = Counter(tag["id"] for tag in soup.find_all(id=True))
    assert [name for name, n in counts.items() if n > 1] == []


def assert_fields_linked(soup):
    """Each control of the page's forms: aria-invalid says whether it has errors, and
    every id its aria-describedby names exists; an invalid one names its errors."""
    controls = soup.select("main form input:not([type=hidden]), main form select")
    assert controls
    for control in controls:
        if not control.get("id"):
            continue  # (a control without an id of its own is outside the macro)
        described = (control.get("aria-describedby") or "").split()
        for linked in described:
            assert soup.find(id=linked) is not None, (control["id"], linked)
        errors = f"{control['id']}-errors"
        if control.get("aria-invalid") == "true":
            assert errors in described
            assert soup.find(id=errors).get_text(strip=True)
        else:
            assert control.get("aria-invalid") == "false"
            assert errors not in described


def test_registration_errors_are_linked_to_their_fields(client, brand_id):
    response = submit_form(client, "/register", REGISTRATION)
    soup = soup_of(response)
    assert_unique_ids(soup)
    assert_fields_linked(soup)
    invalid = [tag["id"] for tag in soup.select('[aria-invalid="true"]')]
    assert invalid == ["email", "password", "over18", "accept_terms"]  # in the page's order
    assert soup.find(id="email-errors").get_text(strip=True) == (
        "The email syntax is wrong. The format is aaa@bbb.ccc."
    )
    alert = soup.select('main [role="alert"]')
    assert len(alert) == 1 and "Please correct the 4 marked fields." in alert[0].get_text()
    assert 'autocomplete="None"' not in response.get_data(as_text=True)


def test_a_failed_login_is_announced(client, make_player):
    make_player()
    response = submit_form(client, "/login", {"identifier": "player@example.com", "password": "x"})
    soup = soup_of(response)
    alert = soup.select('main [role="alert"]')
    assert [a.get_text(strip=True) for a in alert] == ["Wrong login name, email or password."]
    assert_unique_ids(soup)
    assert_fields_linked(soup)


def test_a_field_with_a_required_error(client, brand_id):
    soup = soup_of(submit_form(client, "/login", {"identifier": "", "password": ""}))
    assert soup.find(id="identifier")["aria-invalid"] == "true"
    assert soup.find(id="identifier")["aria-describedby"] == "identifier-errors"
    assert_fields_linked(soup)


@pytest.mark.parametrize("path", ["/login", "/register", "/forgot-password"])
def test_visitor_pages_have_unique_ids_and_no_errors(client, brand_id, path):
    soup = soup_of(client.get(path))
    assert_unique_ids(soup)
    assert_fields_linked(soup)
    assert soup.select('main [role="alert"]') == []


def test_logged_in_pages_have_unique_ids(client, make_player):
    make_player()
    submit_form(client, "/login", {"identifier": "player@example.com", "password": "secret123"})
    for path in ("/account/password", "/account", "/account/email"):
        soup = soup_of(client.get(path))
        assert_unique_ids(soup)
        assert_fields_linked(soup)
    data = {"old_password": "wrong-pass1", "new_password": "abc"}
    soup = soup_of(submit_form(client, "/account/password", data))
    assert_unique_ids(soup)
    assert_fields_linked(soup)
    described = soup.find(id="new_password")["aria-describedby"]
    assert described == "new_password-errors new_password-hint"


def test_the_focus_script_is_loaded_with_the_nonce(client, brand_id):
    response = client.get("/login")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    script = soup_of(response).find("script", src=re.compile(r"/static/forms\.js"))
    assert script is not None and script["nonce"] == nonce
    assert client.get(script["src"]).status_code == 200


def test_the_limit_forms_link_their_errors(client, make_player):
    """(templates/limits/responsible_gambling.html builds its forms by hand.)"""
    make_player()
    submit_form(client, "/login", {"identifier": "player@example.com", "password": "secret123"})
    data = {"action": "limit", "kind": "deposit", "period": "day", "currency": "EUR"}
    response = submit_form(client, "/responsible-gambling", {**data, "value": "lots", "do": "set"})
    soup = soup_of(response)
    assert_unique_ids(soup)
    value = soup.find(id="deposit-value")
    assert value["aria-invalid"] == "true"
    errors = soup.find(id=value["aria-describedby"])
    assert errors.get_text(strip=True) and errors["role"] == "alert"
    assert soup.find(id="loss-value")["aria-invalid"] == "false"
