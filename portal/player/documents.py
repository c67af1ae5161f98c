"""The published terms and privacy policy, readable by anyone: `/documents/tnc` and
`/documents/privacy` show the current version (in the reader's language where it exists)
and list the earlier ones with their dates; `?version=N` shows one of those."""

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts import documents
from portal.database import transactional
from portal.player.blueprint import bp, language, site_brand

TITLES = {"tnc": _l("Terms and conditions"), "privacy": _l("Privacy policy")}
NONE_YET = {
    "tnc": _l("No terms and conditions are published yet."),
    "privacy": _l("No privacy policy is published yet."),
}


@bp.get("/documents/<doc_type>")
@transactional
def document(doc_type: str):
    if doc_type not in documents.TYPES:
        abort(404, _("There is no such document."))
    brand = site_brand()
    published = documents.versions(brand, doc_type, language())
    if not published:
        abort(404, str(NONE_YET[doc_type]))
    shown = published[0]
    if (wanted := request.args.get("version", "").strip()) != "":
        found = [d for d in published if str(d.version) == wanted]
        if not found:
            abort(404, _("There is no such version of this document."))
        shown = found[0]
    return render_template(
        "player/document.html",
        shown=shown,
        current=published[0],
        published=published,
        heading=TITLES[doc_type],
    )


# What crawlers may index: the public pages, not the back office, the vendors' doors, the
# personal links or the player's own pages.
ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /auto-login/
Disallow: /betcore/
Disallow: /betsy/
Disallow: /betcalc/
Disallow: /payments/
Disallow: /crm/
Disallow: /gateway/
Disallow: /sandbox/
Disallow: /account
Disallow: /wallet
Disallow: /cashier
Disallow: /bonuses
Disallow: /balance.json
Disallow: /coupons/
Disallow: /casino/rounds/
Disallow: /sportsbook/bets/
Disallow: /register/details
Disallow: /terms
Disallow: /responsible-gambling/
Disallow: /reset-password
Disallow: /verify-email
Disallow: /confirm-email
Disallow: /cancel-email-change
Disallow: /language
"""


@bp.get("/robots.txt")
def robots():
    return Response(ROBOTS, mimetype="text/plain")


@bp.get("/favicon.ico")
def favicon():
    """Browsers that ask for the old name get the SVG icon every page links to."""
    return redirect(url_for("static", filename="favicon.svg"), 301)
