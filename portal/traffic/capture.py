"""What goes into the vendor traffic log: every call a vendor makes to one of its doors
(in), and every call the portal makes to a vendor (out), masked (portal.redaction) and
handed to the recorder (portal.traffic.recorder), which writes it later.

In: request hooks on the vendor doors' URL prefixes (DOORS). A BETCORE call carries its
data in a signed JWT (the Authorization header, or the body): the log keeps the token's
claims, masked, never the token. Out: the senders call `outbound(...)` with what they sent
and what came back (the outbox, the coupon service's client, the payment providers).
"""

import json
import logging
import time
from urllib.parse import urlencode

import jwt
from flask import Flask, current_app, g, request

from portal import redaction
from portal.timeutil import utcnow
from portal.traffic import recorder

log = logging.getLogger(__name__)

DOORS = {
    "/betcore/": "betcore",
    "/betsy/": "betsy",
    "/betcalc/": "betcalc",
    "/payments/": "payments",
    "/crm/": "crm",
}
VENDORS = tuple(sorted(set(DOORS.values())))


def door_vendor(path: str) -> str | None:
    for prefix, vendor in DOORS.items():
        if path.startswith(prefix):
            return vendor
    return None


def init_app(app: Flask) -> None:
    app.before_request(_started)
    app.after_request(_answered)


def _started() -> None:
    if door_vendor(request.path):
        g.traffic_started = time.perf_counter()


def _answered(response):
    """Log the door's call; a failure here is logged, never the vendor's problem."""
    vendor = door_vendor(request.path)
    if vendor is None:
        return response
    try:
        started = g.get("traffic_started")
        duration = None if started is None else int((time.perf_counter() - started) * 1000)
        endpoint = request.path
        if request.query_string:
            endpoint += "?" + request.query_string.decode("latin-1")
        # Only the raw pieces are taken here; the writer's thread masks them (_inbound_row).
        raw = (request.headers.get("Authorization", ""), *_raw_request_body())
        answer = _raw_response_body(response)
        at = utcnow()
        status, method = response.status_code, request.method
        recorder.for_app(current_app._get_current_object()).record(
            lambda: _inbound_row(at, vendor, method, endpoint, status, duration, raw, answer)
        )
    except Exception:
        log.exception("traffic log: could not record %s %s", request.method, request.path)
    return response


def _raw_request_body() -> tuple[str, str]:
    """(body text, mimetype) as the door received it (a form as key=value pairs)."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        body = urlencode(list(request.form.items(multi=True)))
        return body, "application/x-www-form-urlencoded"
    try:
        raw = request.get_data(cache=True)
    except Exception as exc:  # e.g. over the size limit: the door refused it
        raw = f"[body not read: {type(exc).__name__}]".encode()
    return raw.decode("utf-8", "replace"), request.mimetype


def _raw_response_body(response) -> tuple[bytes | str, str]:
    if response.is_streamed or response.direct_passthrough:
        return "[streamed]", ""
    return response.get_data(), response.mimetype or ""


def _inbound_row(at, vendor, method, endpoint, status, duration, raw, answer) -> dict:
    authorization, body, mimetype = raw
    found = row(vendor, "in", method, endpoint, status, duration,
                _request_body(authorization, body, mimetype), _response_body(*answer))  # fmt: skip
    found["at"] = at
    return found


def _request_body(authorization: str, body: str, mimetype: str) -> str | None:
    parts = []
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        parts.append(f"Authorization: {scheme} [redacted]")
        if claims := _claims(credentials.strip()):
            parts.append(f"JWT claims: {claims}")
    if mimetype != "application/x-www-form-urlencoded":
        try:  # BETCORE may send the JWT as the body, a JSON string
            token = json.loads(body) if body.startswith('"') else None
        except ValueError:
            token = None
        if isinstance(token, str) and (claims := _claims(token)):
            parts.append(f"JWT claims: {claims}")
    if body:
        parts.append(redaction.mask_body(body, mimetype))
    return "\n".join(parts) or None


def _claims(token: str) -> str | None:
    """A JWT's claims (not verified: the door did that), masked; None for no JWT."""
    if token.count(".") != 2:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return redaction.mask_body(json.dumps(claims, default=str), "application/json")


def _response_body(body, mimetype: str) -> str | None:
    if body == "[streamed]":
        return body
    return redaction.mask_body(body, mimetype)


def row(vendor, direction, method, endpoint, status, duration_ms, request_body,
        response_body, error=None) -> dict:  # fmt: skip
    """One VendorCall row's columns; the endpoint and error masked like the bodies, and
    every text storable (a vendor's NUL or lone surrogate shown escaped)."""
    return {
        "at": utcnow(),
        "vendor": storable(vendor)[:20],
        "direction": direction,
        "method": storable(method or "")[:10],
        "endpoint": storable(redaction.mask_text(endpoint))[:500],
        "status": status,
        "duration_ms": duration_ms,
        "request_body": storable(request_body),
        "response_body": storable(response_body),
        "error": storable(redaction.mask_text(error))[:500] if error else None,
    }


def storable(text):
    """`text` as both databases store it: lone surrogates as \\udXXX, NUL as \\x00."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def outbound(vendor: str, method: str, url: str, *, request_body=None, response=None,
             started: float | None = None, error: str | None = None,
             request_mimetype: str = "application/json") -> None:  # fmt: skip
    """Log a call the portal made (`started`: its time.perf_counter() before the call;
    `response`: the requests.Response, None when none came). Needs an application
    context; never raises."""
    try:
        duration = None if started is None else int((time.perf_counter() - started) * 1000)
        status = answer = answer_type = None
        if response is not None:
            status, answer = response.status_code, response.content
            answer_type = response.headers.get("Content-Type", "")
        at = utcnow()

        def made() -> dict:  # masked by the writer's thread
            masked = None if answer is None else redaction.mask_body(answer, answer_type)
            sent = redaction.mask_body(request_body, request_mimetype)
            found = row(vendor, "out", method, url, status, duration, sent, masked, error)
            found["at"] = at
            return found

        recorder.for_app(current_app._get_current_object()).record(made)
    except Exception:
        log.exception("traffic log: could not record %s %s", method, url)
