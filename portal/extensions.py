"""Flask extensions, created unbound and bound to an app in create_app()."""

from flask import current_app
from flask_babel import gettext, lazy_gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints so that Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
# Flask-Login's flashed "please log in" (set in create_app) in the page's language; the
# marker puts its text into the catalogs.
login_manager.localize_callback = gettext
LOGIN_MESSAGE = lazy_gettext("Please log in to see this page.")
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def login_rate_limit() -> str:
    """The LOGIN_RATE_LIMIT setting, read per request (for @limiter.limit)."""
    return current_app.config["LOGIN_RATE_LIMIT"]
