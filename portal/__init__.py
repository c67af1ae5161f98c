"""The portal: create_app() builds the Flask application in named steps."""

import logging
from pathlib import Path

from flask import Flask, abort, request
from flask_babel import lazy_gettext
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from portal import config as config_module
from portal import errors, health, money
from portal.accounts import passwords
from portal.extensions import csrf, db, limiter, login_manager, migrate
from portal.json_provider import PortalJSONProvider

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    test_config = dict(test_config or {})
    instance_path = Path(test_config.pop("INSTANCE_PATH", ROOT / "instance"))
    Flask.json_provider_class = PortalJSONProvider
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(config_module.load(instance_path, test_config))
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    passwords.configure(app.config)
    if proxies := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    register_extensions(app)
    register_traffic_log(app)
    app.url_map.converters["int"] = BoundedInt  # before any route is added
    register_blueprints(app)
    register_commands(app)
    register_templates(app)
    register_input_guards(app)
    register_security_headers(app)
    errors.init_app(app)
    health.init_app(app)  # last: /healthz is answered in front of every other layer
    return app


class BoundedInt(IntegerConverter):
    """`<int:...>` in a route: at most 2**31 - 1, the largest id of our tables (a larger
    one matches no route: 404, not a database error); a column of 64-bit vendor ids says
    `<int(max=9223372036854775807):...>`."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "player.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.session_protection = "strong"
    import portal.admin.models  # noqa: F401  (admin sessions, recovery codes, notes)
    import portal.audit.models  # noqa: F401  (the audit log)
    import portal.bonuses.models  # noqa: F401  (bonuses and their assignments)
    import portal.casino.models  # noqa: F401  (casino tables)
    import portal.coupons.models  # noqa: F401  (coupons, the line, results)
    import portal.crm.models  # noqa: F401  (CRM auto-login links)
    import portal.limits.models  # noqa: F401  (responsible gambling)
    import portal.message_texts  # noqa: F401  (operators' texts for message codes)
    import portal.outbox.models  # noqa: F401  (vendor calls waiting for the worker)
    import portal.payments.models  # noqa: F401  (the cashier: deposits, withdrawals)
    import portal.player.auth  # noqa: F401  (registers the user loader)
    import portal.sportsbook.models  # noqa: F401  (sportsbook tables)
    import portal.traffic.models  # noqa: F401  (the vendor traffic log)
    import portal.wallet.models  # noqa: F401  (the ledger tables)


def register_traffic_log(app: Flask) -> None:
    """Every call on a vendor door goes to the vendor traffic log (portal.traffic)."""
    from portal.traffic import capture

    capture.init_app(app)


def register_blueprints(app: Flask) -> None:
    from portal.admin import pages as admin_pages  # noqa: F401 (every admin page group)
    from portal.admin.blueprint import bp as admin
    from portal.admin.blueprint import render_http_error as render_admin_error
    from portal.api_docs.views import bp as api_docs
    from portal.bonuses import pages as bonus_pages  # noqa: F401 (routes on the player door)
    from portal.casino import pages  # noqa: F401 (routes on the player and gateway doors)
    from portal.casino.views import bp as betcore
    from portal.casino.views import render_http_error as render_betcore_error
    from portal.coupons import pages as coupon_pages  # noqa: F401 (routes on the player door)
    from portal.coupons.views import bp as betcalc
    from portal.coupons.views import render_http_error as render_betcalc_error
    from portal.crm import pages as crm_pages  # noqa: F401 (auto-login on the player door)
    from portal.crm.views import bp as crm
    from portal.crm.views import render_http_error as render_crm_error
    from portal.gateway import admission, content, games, online, personal  # noqa: F401
    from portal.gateway.blueprint import bp as gateway
    from portal.gateway.protocol import render_http_error
    from portal.limits import pages as limit_pages  # noqa: F401 (routes on the player door)
    from portal.limits import play_refused, reality  # noqa: F401 (refusal pages; routes)
    from portal.payments import pages as cashier_pages  # noqa: F401 (routes on the player door)
    from portal.payments.views import bp as payments
    from portal.payments.views import render_http_error as render_payments_error
    from portal.player import (  # noqa: F401
        account,
        documents,
        gating,
        language,
        lobby,
        recovery,
        views,
        wallet,
    )
    from portal.player.balance import bp as live_balance
    from portal.player.blueprint import bp as player
    from portal.sportsbook import pages as sportsbook_pages  # noqa: F401 (routes)
    from portal.sportsbook.views import bp as betsy
    from portal.sportsbook.views import render_http_error as render_betsy_error

    app.register_blueprint(player)
    app.register_blueprint(live_balance)
    app.register_blueprint(gateway)
    app.register_blueprint(betcore)
    app.register_blueprint(betsy)
    app.register_blueprint(betcalc)
    app.register_blueprint(payments)
    app.register_blueprint(api_docs)
    app.register_blueprint(crm)
    app.register_blueprint(admin)
    errors.register_error_renderer("/betsy", render_betsy_error)
    errors.register_error_renderer("/gateway", render_http_error)
    errors.register_error_renderer("/betcore", render_betcore_error)
    errors.register_error_renderer("/betcalc", render_betcalc_error)
    errors.register_error_renderer("/payments", render_payments_error)
    errors.register_error_renderer("/crm", render_crm_error)
    errors.register_error_renderer("/admin", render_admin_error)


def register_commands(app: Flask) -> None:
    from portal import devserver
    from portal.cli import register

    register(app)
    devserver.register(app)


def register_templates(app: Flask) -> None:
    from portal import i18n, messages

    app.jinja_env.globals["message_text"] = messages.text
    i18n.init_app(app)  # gettext, the `amount` and `when` filters in the page's locale
    app.jinja_env.filters["minor"] = money.format_amount


def register_input_guards(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        """No text field anywhere accepts NUL (PostgreSQL cannot even store it)."""
        sources = [request.args]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sources.append(request.form)  # (a JSON body is left to its door, unread here)
        for values in sources:
            for key, value in values.items(multi=True):
                if "\x00" in key or "\x00" in value:
                    abort(400, lazy_gettext("NUL characters are not accepted."))


def register_security_headers(app: Flask) -> None:
    from portal import security

    security.init_app(app)
