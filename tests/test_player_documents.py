"""The terms and the privacy policy are readable by anyone at /documents/<type> (current
version, earlier ones with their dates), linked from every page's footer and from the forms
that ask for them; the footer carries the brand's licence line and contact; robots.txt and
the favicon exist (issue 16)."""

from datetime import timedelta

from portal.accounts import documents, operations
from portal.extensions import db
from tests.conftest import page_text


def _publish(app, brand_id, doc_type, title, content, language="en"):
    with app.app_context():
        brand = operations.get_brand(brand_id)
        documents.publish(brand, doc_type, language=language, title=title, content=content)
        db.session.commit()


def test_a_visitor_reads_the_current_terms_and_the_earlier_versions(app, client, brand_id, clock):
    _publish(app, brand_id, "tnc", "Terms v1", "The first terms. <b>bold</b>")
    clock.travel(timedelta(days=40))
    _publish(app, brand_id, "tnc", "Terms v2", "The second terms.")
    page = client.get("/documents/tnc")
    assert page.status_code == 200
    text = page_text(page)
    assert "Terms v2" in text and "The second terms." in text and "Version 2, published" in text
    assert 'href="/documents/tnc?version=1">Version 1</a>' in page.get_data(as_text=True)
    assert "(current)" in text
    old = client.get("/documents/tnc?version=1")
    assert "The first terms. <b>bold</b>" in page_text(old)  # shown as text, escaped
    assert "<b>bold</b>" not in old.get_data(as_text=True)
    assert "an earlier version" in page_text(old)
    assert client.get("/documents/tnc?version=9").status_code == 404
    assert client.get("/documents/tnc?version=x").status_code == 404
    assert client.get("/documents/cookies").status_code == 404
    assert client.get("/documents/privacy").status_code == 404  # none published yet


def test_the_readers_language_is_shown_where_it_exists(app, make_brand, make_player, client):
    brand_id = make_brand("Zwei", languages=("en", "de"))
    _publish(app, brand_id, "privacy", "Privacy", "In English.")
    with app.app_context():
        brand = operations.get_brand(brand_id)
        documents.publish(brand, "privacy", language="de", title="Datenschutz",
                          content="Auf Deutsch.", version=1)  # fmt: skip
        db.session.commit()
    app.config["SITE_BRAND_ID"] = brand_id
    assert "In English." in page_text(client.get("/documents/privacy"))


def test_every_page_has_the_footer_and_the_brand_sets_it(app, client, brand_id):
    home = client.get("/")
    footer = page_text(home)
    assert "Terms and conditions" in footer and "Privacy policy" in footer and "18+" in footer
    assert "Contact" not in footer
    with app.app_context():
        brand = operations.get_brand(brand_id)
        operations.update_brand(brand, legal_text="Licensed by the <Gaming> Authority, no. 42",
                                contact_email="help@example.com")  # fmt: skip
        db.session.commit()
    for path in ("/", "/login", "/register", "/documents/tnc"):
        html = client.get(path).get_data(as_text=True)
        assert 'href="/documents/tnc"' in html and 'href="/documents/privacy"' in html, path
        assert 'href="mailto:help@example.com"' in html, path
        assert "Licensed by the &lt;Gaming&gt; Authority, no. 42" in html, path


def test_the_registration_form_links_the_texts_it_asks_to_accept(client, brand_id):
    html = client.get("/register").get_data(as_text=True)
    assert 'data-testid="documents-to-accept"' in html
    part = html.split('data-testid="documents-to-accept"')[1][:600]
    assert "/documents/tnc" in part and "/documents/privacy" in part


def test_a_player_who_must_accept_new_terms_can_read_them(app, client, brand_id, make_player):
    from tests.attack.web_pages import log_in

    make_player(email="reader@example.com", login_name="reader")
    _publish(app, brand_id, "tnc", "New terms", "Please read me.")
    log_in(client, "reader", "secret123")
    assert client.get("/account").headers["Location"].startswith("/terms")
    assert "Please read me." in page_text(client.get("/documents/tnc"))
    assert "/documents/tnc" in client.get("/terms").get_data(as_text=True)


def test_robots_and_favicon(client):
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and robots.mimetype == "text/plain"
    assert "Disallow: /admin/" in robots.get_data(as_text=True)
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301 and icon.location.endswith("/static/favicon.svg")
    assert client.get(icon.location).status_code == 200
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_the_brand_footer_is_set_by_the_cli_and_refused_when_wrong(app, brand_id):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["brands", "set", str(brand_id), "--legal-text", "Licence 7",
                             "--contact-email", "support@example.com"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(args=["brands", "set", str(brand_id), "--contact-email", "nope"])
    assert bad.exit_code != 0 and "email" in bad.output.lower()
    with app.app_context():
        brand = operations.get_brand(brand_id)
        assert (brand.legal_text, brand.contact_email) == ("Licence 7", "support@example.com")
