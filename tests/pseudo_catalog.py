"""A pseudo-German catalog for tests: every text the code and templates mark for
translation (extracted as `make translations` does) comes out wrapped in ‹ and ›, so a
page's text outside such marks is text nobody can translate. Also: forgetting the
catalogs Flask-Babel has loaded (one cache for every app of the process)."""

import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import get_domain

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = ["-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2", "-k", "lazy_ngettext:1,2",
            "--ignore-dirs", ".*"]  # fmt: skip


def marked(text: str) -> str:
    return f"‹{text}›"


def write_pseudo_catalog(folder: Path, language: str = "de") -> Path:
    """translations/<language>/LC_MESSAGES/messages.mo under `folder`; returns the
    translations folder (for BABEL_TRANSLATION_DIRECTORIES)."""
    pot = folder / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         *KEYWORDS, "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as source:
        extracted = read_po(source)
    catalog = Catalog(locale=language)
    for message in extracted:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            catalog.add(message.id, tuple(marked(form) for form in message.id))
        else:
            catalog.add(message.id, marked(message.id))
    target = folder / "translations" / language / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as mo:
        write_mo(mo, catalog)
    return folder / "translations"


def forget_loaded_catalogs(app) -> None:
    """Flask-Babel keeps loaded catalogs per locale for every app of the process: another
    app's German must not stand in for this one's."""
    with app.app_context():
        get_domain().cache.clear()
