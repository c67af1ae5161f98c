"""The OpenAPI description of the outside doors (portal/api_docs/openapi.json) against the app.

The document must be valid OpenAPI 3.1 (schemathesis' loader and its 3.1 meta-schema; every
Schema Object a valid JSON Schema 2020-12; every $ref resolvable), carry the portal's version,
describe exactly the routes under /gateway, /betcore, /betsy, /betcalc, /payments and /crm
with their methods (a new endpoint without a description fails here), be served byte for
byte at /openapi.json, and every operation must appear on the /api-docs page, which works
without any script. The CRM feeds' row schemas follow the feeds' columns.
"""

import copy
import importlib.metadata
import json
import re

import jsonschema_rs
import pytest
import schemathesis
from bs4 import BeautifulSoup

from portal import create_app
from portal.api_docs import document
from portal.crm.feeds import FEEDS
from portal.extensions import db
from tests.harness import hypothesis_printing

hypothesis_printing.restore()  # see tests/harness/hypothesis_printing.py

DOORS = ("/gateway/", "/betcore/", "/betsy/", "/betcalc/", "/payments/", "/crm/")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
TEMPLATE = re.compile(r"\{[^}/]+\}")
FLASK_VARIABLE = re.compile(r"<(?:[^:<>]+:)?[^<>]+>")
SCHEMA_HOLDERS = ("schema", "items", "not", "if", "then", "else", "additionalProperties")


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(document.PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory):
    """The app on an empty SQLite schema: the page and the file need no data (the page's
    layout looks up the site's brand, so the tables exist)."""
    folder = tmp_path_factory.mktemp("api_docs")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{folder / 'portal.sqlite3'}",
            "SECRET_KEY": "api-docs",
            "INSTANCE_PATH": str(folder),
        }
    )
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def page(bare_app) -> BeautifulSoup:
    response = bare_app.test_client().get("/api-docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture(scope="module")
def routes(bare_app) -> set[tuple[str, str]]:
    """(method, path with {} for each variable) of every route of the outside doors."""
    found = set()
    for rule in bare_app.url_map.iter_rules():
        if rule.rule.startswith(DOORS):
            for method in rule.methods - IGNORED_METHODS:
                found.add((method, FLASK_VARIABLE.sub("{}", rule.rule)))
    return found


def described(spec: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), TEMPLATE.sub("{}", path))
        for path, item in spec["paths"].items()
        for method in item
        if method in document.METHODS
    }


# --- the document ---------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1(spec):
    assert re.fullmatch(r"3\.1\.\d+", spec["openapi"])
    loaded = schemathesis.openapi.from_dict(copy.deepcopy(spec))
    loaded.validate()  # the OpenAPI 3.1 meta-schema: raises with the first violation
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert len(operations) == len(described(spec))


def schema_objects(node, where="#"):
    """Every Schema Object of the document, with its location."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}/{key}"
            holds_schema = key in SCHEMA_HOLDERS and isinstance(value, dict)
            if holds_schema or where == "#/components/schemas":
                yield here, value
            yield from schema_objects(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from schema_objects(value, f"{where}/{index}")


def test_every_schema_is_json_schema_2020_12_and_every_ref_resolves(spec):
    schemas = list(schema_objects(spec))
    assert len(schemas) > 100
    for where, schema in schemas:
        try:
            jsonschema_rs.meta.validate(schema)
        except jsonschema_rs.ValidationError as exc:
            pytest.fail(f"{where} is not a valid JSON Schema: {exc}")
    refs = re.findall(r'"\$ref": "(#/[^"]+)"', json.dumps(spec))
    refs += [op["x-jwt-data"] for item in spec["paths"].values() for op in item.values()
             if isinstance(op, dict) and "x-jwt-data" in op]  # fmt: skip
    for pointer in refs:
        try:
            document.resolve(spec, {"$ref": pointer})
        except (KeyError, TypeError):
            pytest.fail(f"{pointer} does not resolve")


def test_the_document_carries_the_portals_version(spec):
    assert spec["info"]["version"] == importlib.metadata.version("portal")


def test_operation_ids_are_unique_and_path_parameters_declared(spec):
    ids = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            ids.append(operation["operationId"])
            declared = {
                parameter["name"]
                for parameter in (
                    document.resolve(spec, p)[0] for p in operation.get("parameters", [])
                )
                if parameter["in"] == "path"
            }
            assert declared == set(re.findall(r"\{([^}]+)\}", path)), (method, path)
            assert "responses" in operation and operation["responses"], (method, path)
    assert len(ids) == len(set(ids))


def test_vendor_doors_document_their_protocols(spec):
    """BETCORE: bearer JWT, data schema named by x-jwt-data, always HTTP 200. Betsy: the
    signature scheme, a signed 200 and a signed 400 {code, message}."""
    for path, item in spec["paths"].items():
        for operation in item.values():
            if path.startswith("/betcore/"):
                assert operation["security"] == [{"betcoreJwt": []}]
                assert document.resolve(spec, {"$ref": operation["x-jwt-data"]})[0]["type"]
                assert set(operation["responses"]) == {"200"}
            if path.startswith("/betsy/"):
                assert operation["security"] == [{"betsySignature": []}]
                assert set(operation["responses"]) == {"200", "400"}
                for answer in operation["responses"].values():
                    assert answer["headers"]["x-sign-jws"]["required"] is True
    schemes = spec["components"]["securitySchemes"]
    assert schemes["betcoreJwt"] == schemes["betcoreJwt"] | {"type": "http", "scheme": "bearer"}
    assert schemes["playerToken"]["name"] == "x-auth-token"
    assert schemes["betsySignature"]["name"] == "x-sign-jws"


def test_the_crm_door_describes_every_feed_and_its_columns(spec):
    """The feed parameter lists the feeds; each feed's row schema has its columns, in their
    order, typed as portal/crm/output.py writes them in JSON."""
    json_types = {"text": "string", "int": "integer", "decimal": "number", "bool": "boolean"}
    json_types |= {"flag": "integer", "time": "string", "date": "string"}
    operation = spec["paths"]["/crm/{feed}"]["get"]
    (feed,) = [p for p in operation["parameters"] if p["name"] == "feed"]
    assert feed["schema"]["enum"] == list(FEEDS)
    rows = operation["responses"]["200"]["content"]["application/json"]["schema"]
    options = document.resolve(spec, rows)[0]["items"]["anyOf"]
    assert len(options) == len(FEEDS)
    for name, option in zip(FEEDS, options, strict=True):
        row = document.resolve(spec, option)[0]
        columns = FEEDS[name].columns
        assert list(row["properties"]) == row["required"] == [c for c, _ in columns], name
        for column, kind in columns:
            types = row["properties"][column]["type"]
            assert json_types[kind] in ([types] if isinstance(types, str) else types), column
    for path in ("/crm/{feed}", "/crm/auto-logins"):
        for operation in spec["paths"][path].values():
            assert operation["security"] == [{"crmBasic": []}]
            challenge = operation["responses"]["401"]["headers"]["WWW-Authenticate"]
            assert challenge["required"] is True
    assert spec["components"]["securitySchemes"]["crmBasic"]["scheme"] == "basic"
    unsettled = spec["paths"]["/crm/{feed}"]["get"]["responses"]["503"]
    assert unsettled["headers"]["Retry-After"]["required"] is True


# --- the document against the routes -------------------------------------------------------


def test_every_route_of_the_outside_doors_is_described(spec, routes):
    missing = routes - described(spec)
    assert not missing, f"routes without a description in openapi.json: {sorted(missing)}"


def test_every_described_operation_is_a_route(spec, routes):
    extra = described(spec) - routes
    assert not extra, f"described in openapi.json but not served: {sorted(extra)}"


# --- served ---------------------------------------------------------------------------------


def test_openapi_json_serves_the_file(bare_app):
    response = bare_app.test_client().get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.data == document.PATH.read_bytes()


def test_the_page_lists_every_operation_with_its_answers(page, spec):
    articles = page.select('[data-testid="operation"]')
    on_page = {(a["data-method"], a["data-path"]) for a in articles}
    in_file = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    assert on_page == in_file and len(articles) == len(in_file)
    for article in articles:
        operation = spec["paths"][article["data-path"]][article["data-method"].lower()]
        text = article.get_text(" ")
        statuses = {a["data-status"] for a in article.select('[data-testid="answer"]')}
        assert statuses == set(operation["responses"]), article["id"]
        for parameter in operation.get("parameters", []):
            assert document.resolve(spec, parameter)[0]["name"] in text, article["id"]
        if "x-jwt-data" in operation:
            data = document.resolve(spec, {"$ref": operation["x-jwt-data"]})[0]
            assert all(name in text for name in data["properties"]), article["id"]


def test_the_page_shows_the_vendor_code_tables(page):
    codes = {cell.get_text(strip=True) for cell in page.select('[data-testid="codes"] td code')}
    assert {"200", "100400", "100401", "100500", "102145", "103802"} <= codes  # BETCORE
    assert {"1", "3", "4", "5", "7", "8", "21", "100"} <= codes  # Betsy
    assert {"-1", "1", "2", "-2", "4"} <= codes  # TransactionType


def test_the_page_needs_no_script_no_inline_style_and_no_cdn(page, bare_app):
    assert page.find("script") is None and page.find("style") is None
    for tag in page.find_all(True):
        assert "style" not in tag.attrs, tag.name
        assert not [name for name in tag.attrs if name.lower().startswith("on")], tag.name
    for link in page.select("link[href], img[src], a[href]"):
        target = link.get("href") or link.get("src")
        assert target.startswith(("/", "#")), target  # nothing from another origin
    client = bare_app.test_client()
    for sheet in page.select("link[rel=stylesheet]"):
        assert client.get(sheet["href"]).status_code == 200
