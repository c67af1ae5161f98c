from portal import create_app
from portal.config import engine_options, load


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load(tmp_path)["SECRET_KEY"]
    second = load(tmp_path)["SECRET_KEY"]
    assert first == second
    assert len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert load(tmp_path / "other")["SECRET_KEY"] != first


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/portal")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    monkeypatch.setenv("EMAIL_FRAUD_DOMAINS", "Bad.example, worse.example")
    config = load(tmp_path)
    assert config["SECRET_KEY"] == "from-env"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/portal"
    assert (config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_USE_TLS"]) == (
        "smtp.example",
        2525,
        True,
    )
    assert config["EMAIL_FRAUD_DOMAINS"] == {"bad.example", "worse.example"}


def test_default_database_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"


def test_pool_settings_follow_the_threads(monkeypatch, tmp_path):
    monkeypatch.setenv("WEB_THREADS", "6")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "1")
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "3")
    config = load(tmp_path, {"DATABASE_URL": "postgresql://portal@db.example/portal"})
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_size": 6,
        "max_overflow": 1,
        "pool_recycle": 300,
        "connect_args": {"connect_timeout": 3},
    }
    monkeypatch.setenv("DATABASE_POOL_SIZE", "10")
    assert engine_options(load(tmp_path, {"DATABASE_URL": "postgres://x@y/z"}))["pool_size"] == 10
    assert load(tmp_path, {"DATABASE_URL": "sqlite:///x.db"})["SQLALCHEMY_ENGINE_OPTIONS"] == {}
