"""`flask --app app dev`: the whole site on one machine with no internet, for `make run`.

When BETCORE_API_URL is not set, the BETCORE stand-in (portal.sandbox.betcore) is mounted
at /sandbox/betcore on the same server, and the portal is pointed at it: JWKS, partner
token, accepts and the WebFrame all come from there. When BETSY_IFRAME_URL is not set, the
Betsy stand-in (portal.sandbox.betsy) is mounted at /sandbox/betsy: the sportsbook page and
an operator console (/sandbox/betsy/console) that settles bets through the signed API.
When BETCALC_API_URL is not set, the bet calculation service's stand-in
(portal.sandbox.betcalc) is mounted at /sandbox/betcalc: login with cookies, placement,
and a console (/sandbox/betcalc/console) that settles coupons by posting results to the
portal's bet-result blueprint. When PAYMENT_SANDBOX_URL is not set, the sandbox payment
provider (portal.sandbox.payments) is mounted at /sandbox/payments: its hosted payment
page with test cards, payouts, and a console (/sandbox/payments/console).
The outbox worker runs in a thread. The request log leaves out the values of query
parameters that carry secrets (mail links, vendor frame tokens; see portal.redaction).
"""

import os
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import WSGIRequestHandler, run_simple

from portal.outbox.worker import run_worker
from portal.redaction import redact
from portal.sandbox.betcalc import SANDBOX_LOGIN, SANDBOX_PASSWORD, create_betcalc_sandbox
from portal.sandbox.betcore import create_betcore_sandbox
from portal.sandbox.betsy import create_betsy_sandbox
from portal.sandbox.payments import SANDBOX_SECRET, create_payments_sandbox

BETCORE_PREFIX = "/sandbox/betcore"
BETSY_PREFIX = "/sandbox/betsy"
BETCALC_PREFIX = "/sandbox/betcalc"
PAYMENTS_PREFIX = "/sandbox/payments"
SANDBOX_RESULT_SECRET = "sandbox-results"  # noqa: S105 (a local stand-in's)
SANDBOX_BETSY_SECRET = "sandbox-partner-secret-of-32-bytes"  # noqa: S105 (a local stand-in's)


class RedactingRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, whose log lines (request lines included) go through
    `redact` first."""

    def log(self, type: str, message: str, *args) -> None:
        args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in args)
        super().log(type, message, *args)


# the CRM feeds' credentials on the development server when none are configured
DEMO_CRM_USER, DEMO_CRM_PASSWORD = "crm", "crm-demo"


def with_sandboxes(app: Flask):
    """The portal's WSGI app with the vendor stand-ins mounted where no vendor is set."""
    public = app.config["PUBLIC_URL"].rstrip("/")
    mounts = {}
    if not app.config["BETCORE_API_URL"]:
        mounts[BETCORE_PREFIX] = create_betcore_sandbox(
            public, client_id=app.config["BETCORE_CLIENT_ID"]
        )
        app.config.update(
            BETCORE_API_URL=public + BETCORE_PREFIX,
            BETCORE_WEBFRAME_URL=public + BETCORE_PREFIX + "/webframe",
            BETCORE_CLIENT_SECRET=app.config["BETCORE_CLIENT_SECRET"] or "sandbox",
        )
    if not app.config["BETSY_IFRAME_URL"]:
        secret = app.config["BETSY_PARTNER_SECRET"] or SANDBOX_BETSY_SECRET
        mounts[BETSY_PREFIX] = create_betsy_sandbox(public, secret)
        app.config.update(
            BETSY_IFRAME_URL=public + BETSY_PREFIX + "/iframe", BETSY_PARTNER_SECRET=secret
        )
    if not app.config["BETCALC_API_URL"]:
        login = app.config["BETCALC_LOGIN"] or SANDBOX_LOGIN
        password = app.config["BETCALC_PASSWORD"] or SANDBOX_PASSWORD
        mounts[BETCALC_PREFIX] = create_betcalc_sandbox(login, password)
        app.config.update(
            BETCALC_API_URL=public + BETCALC_PREFIX,
            BETCALC_LOGIN=login,
            BETCALC_PASSWORD=password,
            BETCALC_RESULT_SECRET=app.config["BETCALC_RESULT_SECRET"] or SANDBOX_RESULT_SECRET,
        )
    if not app.config["PAYMENT_SANDBOX_URL"]:
        secret = app.config["PAYMENT_SANDBOX_SECRET"] or SANDBOX_SECRET
        mounts[PAYMENTS_PREFIX] = create_payments_sandbox(secret)
        app.config.update(
            PAYMENT_SANDBOX_URL=public + PAYMENTS_PREFIX, PAYMENT_SANDBOX_SECRET=secret
        )
    return DispatcherMiddleware(app.wsgi_app, mounts) if mounts else app.wsgi_app


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def dev(host, port):
    """Serve the site with local vendor stand-ins and the outbox worker (development)."""
    app = current_app._get_current_object()
    if not os.environ.get("PUBLIC_URL"):
        app.config["PUBLIC_URL"] = f"http://{host}:{port}"
    app.wsgi_app = with_sandboxes(app)
    if not (app.config["CRM_FEED_USER"] or app.config["CRM_FEED_PASSWORD"]):
        app.config.update(CRM_FEED_USER=DEMO_CRM_USER, CRM_FEED_PASSWORD=DEMO_CRM_PASSWORD)
    stop = threading.Event()
    worker = threading.Thread(
        target=run_worker,
        args=(app,),
        kwargs={"stop_event": stop},
        name="outbox-worker",
        daemon=True,
    )
    worker.start()
    click.echo(
        f"portal on http://{host}:{port}  (BETCORE: {app.config['BETCORE_API_URL']}; "
        f"Betsy: {app.config['BETSY_IFRAME_URL']}; bet calculation: "
        f"{app.config['BETCALC_API_URL']})"
    )
    try:
        run_simple(
            host,
            port,
            app,
            threaded=True,
            use_reloader=False,
            request_handler=RedactingRequestHandler,
        )
    finally:
        stop.set()
        worker.join(timeout=5)


def register(app: Flask) -> None:
    app.cli.add_command(dev)
