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
        recorder.for_app(current_app._get_current_object()).record(
            row(
                vendor,
                "in",
                request.method,
                endpoint,
                response.status_code,
                duration,
                _request_body(),
                _response_body(response),
            )
        )
    except Exception:
        log.exception("traffic log: could not record %s %s", request.method, request.path)
    return response


def _request_body() -> str | None:
    parts = []
    authorization = request.headers.get("Authorization", "")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        parts.append(f"Authorization: {scheme} [redacted]")
        if claims := _claims(credentials.strip()):
            parts.append(f"JWT claims: {claims}")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        body = "&".join(f"{k}={v}" for k, v in request.form.items(multi=True))
        mimetype = "application/x-www-form-urlencoded"
    else:
        try:
            raw = request.get_data(cache=True)
        except Exception as exc:  # e.g. over the size limit: the door refused it
            raw = f"[body not read: {type(exc).__name__}]".encode()
        body, mimetype = raw.decode("utf-8", "replace"), request.mimetype
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


def _response_body(response) -> str | None:
    if response.is_streamed or response.direct_passthrough:
        return "[streamed]"
    return redaction.mask_body(response.get_data(), response.mimetype or "")


def row(vendor, direction, method, endpoint, status, duration_ms, request_body,
        response_body, error=None) -> dict:  # fmt: skip
    """One VendorCall row's columns; the endpoint and error masked like the bodies."""
    return {
        "at": utcnow(),
        "vendor": vendor[:20],
        "direction": direction,
        "method": (method or "")[:10],
        "endpoint": redaction.mask_text(endpoint)[:500],
        "status": status,
        "duration_ms": duration_ms,
        "request_body": request_body,
        "response_body": response_body,
        "error": redaction.mask_text(error)[:500] if error else None,
    }


def outbound(vendor: str, method: str, url: str, *, request_body=None, response=None,
             started: float | None = None, error: str | None = None,
             request_mimetype: str = "application/json") -> None:  # fmt: skip
    """Log a call the portal made (`started`: its time.perf_counter() before the call;
    `response`: the requests.Response, None when none came). Needs an application
    context; never raises."""
    try:
        duration = None if started is None else int((time.perf_counter() - started) * 1000)
        answer = None
        if response is not None:
            answer = redaction.mask_body(response.content, response.headers.get("Content-Type", ""))
        recorder.for_app(current_app._get_current_object()).record(
            row(
                vendor,
                "out",
                method,
                url,
                None if response is None else response.status_code,
                duration,
                redaction.mask_body(request_body, request_mimetype),
                answer,
                error,
            )
        )
    except Exception:
        log.exception("traffic log: could not record %s %s", method, url)
