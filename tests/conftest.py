"""Fixtures: every database test runs on SQLite and on PostgreSQL.

The schema is built once per backend from the migration files (so the migrations are
exercised too); after each test every table is emptied. Tests commit for real, because the
code under test commits once per request and the concurrency tests need real transactions.
"""

import re
import uuid

import pytest
from bs4 import BeautifulSoup
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from tests.harness.browser import BrowserUnavailable, launch_chromium, sync_playwright
from tests.harness.postgres import PostgresUnavailable, TemporaryPostgres
from tests.harness.redis import RedisUnavailable, TemporaryRedis
from tests.harness.requirements import unavailable

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 with tiny costs: the production parameters spend ~30 ms a hash, and the suite
    hashes thousands of times. tests/test_passwords.py pins the production parameters.
    (The portal processes the tests start, gunicorn and the like, hash at full cost.)"""
    from argon2 import PasswordHasher

    from portal.accounts import passwords

    passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    passwords.use_hasher(None)


@pytest.fixture(scope="session", autouse=True)
def url_builders_compiled_once():
    """The suite builds an app for nearly every test, and werkzeug compiles a URL builder
    (Python code from an AST) for each of the ~770 routes of every app: ~50 ms an app. A
    builder's code depends only on the rule's parts (it calls the rule's own converters;
    only a default for a part of the path is built into it), so the tests compile each
    one once and bind it to every equal rule (werkzeug binds it with __get__ either way;
    the processes the tests start compile their own, as in production)."""
    from werkzeug.routing.rules import Rule

    original = Rule._compile_builder
    compiled = {}

    def compile_once(rule, append_unknown=True):
        if any(name in (rule.defaults or {}) for name in rule._converters):
            return original(rule, append_unknown)  # (a default is built into the code)
        key = (tuple(rule._trace), append_unknown)
        if key not in compiled:
            compiled[key] = original(rule, append_unknown)
        return compiled[key]

    Rule._compile_builder = compile_once
    yield
    Rule._compile_builder = original


@pytest.fixture(scope="session")
def postgres_server():
    server = TemporaryPostgres()
    try:
        server.start()
    except PostgresUnavailable as exc:
        yield exc
        return
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    """A throwaway Redis on 127.0.0.1 (or the reason there is none)."""
    server = TemporaryRedis()
    try:
        server.start()
    except RedisUnavailable as exc:
        yield exc
        return
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    if isinstance(redis_server, RedisUnavailable):
        unavailable(f"Redis is not available: {redis_server.reason}")
    return redis_server.url


def _postgres_url(request, name: str) -> str:
    server = request.getfixturevalue("postgres_server")
    if isinstance(server, PostgresUnavailable):
        unavailable(f"PostgreSQL is not available: {server.reason}")
    return server.create_database(name)


def _config(database_url: str, instance_path, **overrides) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": "test-secret-key",
        "RATELIMIT_ENABLED": False,
        "PUBLIC_URL": "http://portal.test",
        **overrides,
    }


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A database of the parametrized backend with the schema built by the migrations."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'portal.sqlite3'}"
    else:
        # A unique name: pytest may tear this fixture down and build it again when test
        # order switches backends, and the first database is not dropped until the end.
        url = _postgres_url(request, f"portal_test_{uuid.uuid4().hex[:8]}")
    app = create_app(_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build apps on the test database with config overrides; tables emptied afterwards."""
    apps = []

    def factory(**overrides):
        app = create_app(_config(database_url, tmp_path / "instance", **overrides))
        apps.append(app)
        return app

    yield factory
    from portal.traffic import recorder

    for app in apps:  # the vendor traffic log's writer: its calls in, its thread stopped
        recorder.for_app(app).close()
    if apps:
        with apps[0].app_context():
            _empty_tables()
    for app in apps:
        with app.app_context():
            db.engine.dispose()


# PostgreSQL: the tables a test left rows in or took ids from (TRUNCATE costs per table,
# and most tests touch a few of them).
_USED_SEQUENCES = """
SELECT t.relname FROM pg_sequences q
JOIN pg_class s ON s.relname = q.sequencename AND s.relkind = 'S'
JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
WHERE q.schemaname = current_schema() AND q.last_value IS NOT NULL
"""


def _empty_tables() -> None:
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        probe = "SELECT '{0}' WHERE EXISTS (SELECT 1 FROM \"{0}\")"  # noqa: S608 (model names)
        with_rows = " UNION ALL ".join(probe.format(t.name) for t in tables)
        used = set(db.session.scalars(text(with_rows))) | set(
            db.session.scalars(text(_USED_SEQUENCES))
        )
        if used:
            names = ", ".join(f'"{name}"' for name in sorted(used))
            db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context, for calling the core directly."""
    with app.app_context():
        yield


@pytest.fixture
def clock():
    """The portal's clock (portal.timeutil.utcnow), moved by the test: `clock.travel(td)`.
    Put back after the test."""
    from portal import timeutil

    yield timeutil
    timeutil.reset_clock()


# --- factories --------------------------------------------------------------------------


@pytest.fixture
def make_brand(app):
    def factory(name="Test Casino", currencies=("EUR", "USD"), languages=("en",), **kw):
        from portal.accounts import operations

        with app.app_context():
            brand = operations.create_brand(
                name, currencies=list(currencies), languages=list(languages), **kw
            )
            db.session.commit()
            return brand.id

    return factory


@pytest.fixture
def brand_id(make_brand):
    return make_brand()


@pytest.fixture
def make_player(app, brand_id):
    """make_player(email=..., password=...) -> player id (ready to play unless complete=False)."""

    def factory(email="player@example.com", password="secret123", *, brand=None, **kw):
        from portal.accounts import operations

        with app.app_context():
            player = operations.register_player(
                operations.get_brand(brand or brand_id),
                email=email,
                password=password,
                over18=True,
                email_verified=True,
                complete=kw.pop("complete", True),
                **kw,
            )
            db.session.commit()
            return player.id

    return factory


# --- a real browser -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the whole run (or the reason there is none)."""
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            yield browser
            browser.close()
    except BrowserUnavailable as exc:
        yield exc


@pytest.fixture
def browser(chromium):
    """A fresh browser context per test: its own cookies and storage, like a new visitor."""
    if isinstance(chromium, BrowserUnavailable):
        unavailable(f"Chromium is not available: {chromium.reason}")
    context = chromium.new_context()
    yield context
    context.close()


@pytest.fixture
def sandboxed_site(app, make_player):
    """The portal served on 127.0.0.1 with the vendor stand-ins mounted, as `make run`
    serves it, and a demo player with 100.00 EUR: (url, player id)."""
    from portal.accounts.models import Player
    from portal.devserver import with_sandboxes
    from portal.wallet import operations as wallet
    from tests.harness.live_server import LiveServer

    player_id = make_player(email="demo@example.com", password="demo1234", login_name="demo")
    with app.app_context():
        wallet.adjust(
            db.session.get(Player, player_id),
            "EUR",
            "100.00",
            reason="demo",
            operator="test",
            external_id="opening",
        )
        db.session.commit()
    holder = {}
    with LiveServer(lambda environ, start: holder["app"](environ, start)) as server:
        app.config["PUBLIC_URL"] = server.url  # the stand-ins call the portal back here
        app.wsgi_app = with_sandboxes(app)
        holder["app"] = app
        yield server.url, player_id


# --- protocol helpers ------------------------------------------------------------------


def csrf_token(html: str) -> str:
    field = BeautifulSoup(html, "html.parser").find("input", {"name": "csrf_token"})
    assert field is not None, "the page has no CSRF token"
    return field["value"]


def submit_form(client, url: str, data: dict, *, page: str | None = None, **kwargs):
    """Load the form page like a browser, then post the form with its CSRF token."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(html), **data}, **kwargs)


def page_text(response) -> str:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return re.sub(r"\s+", " ", soup.get_text(" ")).strip()
