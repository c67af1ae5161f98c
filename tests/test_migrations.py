"""The migration files and the models describe the same schema, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db


def test_models_match_migrations(app):
    # `database_url` was built by running every migration; nothing may differ.
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_db_upgrade_command_builds_a_fresh_sqlite_database(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "portal.sqlite3").exists()
    with app.app_context():
        tables = set(db.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"brand", "player", "player_session", "login_event", "admin_user"} <= tables


def test_upgrade_is_repeatable(app):
    with app.app_context():
        upgrade()  # already at head: a no-op, not an error
