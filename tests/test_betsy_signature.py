"""Betsy's detached JWS: what verifies and what does not."""

import base64
import hashlib
import hmac
import json

import pytest

from portal.sportsbook.betsy import BadSignature, sign, verify

SECRET = "a-partner-secret-of-32-bytes-min"
BODY = b'{"token":"5caa4cabce523c2f7610c50ce9819bfb","requestId":"d9195aef"}'


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def by_hand(body: bytes, secret: str, alg="HS256") -> str:
    """A detached JWS built from the RFC, independently of the code under test."""
    header = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    mac = hmac.new(secret.encode(), f"{header}.{b64(body)}".encode(), hashlib.sha256).digest()
    return f"{header}..{b64(mac)}"


def test_a_signature_made_by_the_rfc_verifies_and_ours_is_detached():
    verify(by_hand(BODY, SECRET), BODY, SECRET)
    ours = sign(BODY, SECRET)
    assert ours.split(".")[1] == ""
    verify(ours, BODY, SECRET)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "garbage",
        "a.b.c",
        by_hand(BODY, "another-partner-secret-32-bytes!"),
        by_hand(BODY + b" ", SECRET),
        by_hand(BODY, SECRET, alg="none"),
        by_hand(BODY, SECRET, alg="HS512"),
        "x" * 5000,
    ],
)
def test_bad_signatures_are_refused(signature):
    with pytest.raises(BadSignature):
        verify(signature, BODY, SECRET)


def test_an_attached_payload_is_refused():
    header, _, signature = by_hand(BODY, SECRET).split(".")
    with pytest.raises(BadSignature):
        verify(f"{header}.{b64(BODY)}.{signature}", BODY, SECRET)


def test_no_secret_no_verification():
    with pytest.raises(BadSignature):
        verify(by_hand(BODY, ""), BODY, "")
