"""The HTML pages of the site, and what each of them must satisfy, for the attack tests of
the HTML door (tests/attack/test_web_*.py).

Pages are found rather than listed: `start_urls(app)` gives every GET route without URL
arguments of the blueprints in HTML_BLUEPRINTS, plus EXTRA_URLS (routes worth visiting
with a query), and `crawl` follows every same-site link, frame and redirect from there. A
new player page is covered as soon as its route exists.

**Later HTML doors join here, in one place**: add the admin or cashier blueprint to
HTML_BLUEPRINTS and the URLs that need a query to EXTRA_URLS; every test_web_* module then
crawls, posts to and injects into their pages too. (A door behind its own login also needs
its logged-in client where the tests crawl as a user: see `log_in`.)
"""

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from sqlalchemy import select

from portal.extensions import db
from tests.conftest import submit_form

HTML_BLUEPRINTS = ("player", "api_docs")  # the player door; the API docs for integrators
EXTRA_URLS = (
    "/wallet/history?currency=EUR&kind=stake&from=2000-01-01&to=2100-01-01",
    "/casino?game=dice",
    "/casino?game=lucky-dice",
    "/sportsbook/bets/1",  # a bet's and a round's page: the player's own only (else 404)
    "/casino/rounds/1",
    "/auto-login/0-not-a-link",  # a CRM campaign's login link, refused (a live one: XSS test)
)
# Attributes whose value a browser follows or runs as a URL.
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "cite",
    "ping",
    "srcset",
    "xlink:href",
}
_CONTROL = re.compile(r"[\x00-\x20]")
# Reports every CSP violation of a page (and of its frames) on the console.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("Content Security Policy violation: " + event.violatedDirective + " "
                + event.blockedURI + " on " + document.location.href);
});
"""


def html_rules(app, methods=("GET",)):
    """The url_map rules of the HTML blueprints that answer one of `methods`."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".", 1)[0] in HTML_BLUEPRINTS and set(methods) & rule.methods:
            yield rule


def soup_of(response) -> BeautifulSoup:
    """The parsed page (parsed once per response: the tests look at each page often)."""
    if getattr(response, "_soup", None) is None:
        response._soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return response._soup


def start_urls(app) -> list[str]:
    urls = sorted(rule.rule for rule in html_rules(app) if not rule.arguments)
    return urls + list(EXTRA_URLS)


def admin_start_urls(app) -> list[str]:
    """The back office's GET pages without URL arguments (crawled as a logged-in admin;
    the login steps and what they lead to are left out)."""
    rules = app.url_map.iter_rules()
    return sorted(
        rule.rule
        for rule in rules
        if rule.endpoint.startswith("admin.")
        and "GET" in rule.methods
        and not rule.arguments
        and not rule.rule.startswith("/admin/login")
    )


def local_target(base: str, target: str) -> str | None:
    """`target` (a link on page `base`) as a path and query of this site, else None."""
    parts = urlsplit(urljoin("http://localhost" + base, target))
    if parts.scheme != "http" or parts.netloc != "localhost":
        return None
    if parts.path.startswith("/static/") or parts.path.startswith("/sandbox/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, urls, *, limit: int = 120) -> dict:
    """GET `urls` and every same-site link, frame and redirect they lead to: {url: response}."""
    queue, pages = deque(urls), {}
    while queue and len(pages) < limit:
        url = queue.popleft()
        if url in pages:
            continue
        response = client.get(url)
        pages[url] = response
        found = []
        if response.location:
            found.append(response.location)
        if response.mimetype == "text/html":
            soup = soup_of(response)
            found += [a["href"] for a in soup.find_all("a", href=True)]
            found += [f["src"] for f in soup.find_all("iframe", src=True)]
        for target in found:
            local = local_target(url, target)
            if local and local not in pages:
                queue.append(local)
    return pages


def csp_directives(header: str | None) -> dict[str, list[str]]:
    directives = {}
    for part in (header or "").split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def nonce_of(response) -> str | None:
    sources = csp_directives(response.headers.get("Content-Security-Policy")).get("script-src")
    for source in sources or []:
        if source.startswith("'nonce-") and source.endswith("'"):
            return source[len("'nonce-") : -1]
    return None


def is_script_url(value: str) -> bool:
    """A URL a browser would run: `javascript:` after the characters browsers drop."""
    return _CONTROL.sub("", value).lower().startswith(("javascript:", "vbscript:"))


def page_problems(response) -> list[str]:
    """What breaks the rules of a rendered HTML page: the CSP with a nonce every <script>
    carries, nothing inline (handlers, javascript: URLs, style attributes or elements), and
    no-store."""
    problems = []
    header = response.headers.get("Content-Security-Policy", "")
    policy = csp_directives(header)
    nonce = nonce_of(response)
    if "unsafe-inline" in header or "unsafe-eval" in header:
        problems.append(f"CSP allows inline code: {header}")
    for name, value in {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }.items():
        if policy.get(name) != value:
            problems.append(f"CSP {name} is {policy.get(name)}, not {value}")
    if not nonce or len(nonce) < 16:
        problems.append(f"CSP script-src has no nonce: {policy.get('script-src')}")
    if "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append("no Cache-Control: no-store")
    soup = soup_of(response)
    for script in soup.find_all("script"):
        if script.get("nonce") != nonce:
            problems.append(f"<script> without this request's nonce: {str(script)[:80]}")
    if soup.find("style"):
        problems.append("a <style> element")
    frame_sources = policy.get("frame-src", [])
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on"):
                problems.append(f"inline handler {name}= on <{element.name}>")
            elif name.lower() == "style":
                problems.append(f"style= on <{element.name}>")
            elif name.lower() in URL_ATTRIBUTES and is_script_url(text):
                problems.append(f"javascript: URL in {name}= on <{element.name}>")
        if element.name == "iframe" and element.get("src"):
            parts = urlsplit(element["src"])
            origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else "'self'"
            if origin not in frame_sources:
                problems.append(f"frame {element['src']} not allowed by frame-src")
    return problems


def log_in(client, identifier: str, password: str):
    response = submit_form(client, "/login", {"identifier": identifier, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


# Logs of the attempt itself, not a change it made: the vendor traffic log records every
# vendor call, refused ones too (from a background thread, at any moment).
LOGS = {"vendor_call"}


def snapshot(app) -> dict:
    """Every row of every table but the LOGS, to show that a refused request changed
    nothing."""
    with app.app_context():
        rows = {}
        for table in db.metadata.sorted_tables:
            if table.name in LOGS:
                continue
            rows[table.name] = sorted(map(tuple, db.session.execute(select(table))), key=repr)
        db.session.rollback()
        return rows


def watch(page) -> dict:
    """What a Playwright page must never do, recorded as it happens: open a dialog
    (alert, confirm, prompt) or break the Content-Security-Policy."""
    seen = {"dialogs": [], "csp": []}
    page.add_init_script(CSP_REPORTER)
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on(
        "console",
        lambda message: (
            seen["csp"].append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen
