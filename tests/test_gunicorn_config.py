"""gunicorn.conf.py: every setting from the environment, with the documented defaults, and
the warnings at start-up about settings that would break stateless app servers.

(The file is read as gunicorn reads it: executed as a module; tests/test_production_serving.py
runs real gunicorn with it.)"""

import os
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from portal.access_log import RedactingLogger

CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
SETTINGS = (
    "WEB_BIND",
    "WEB_CONCURRENCY",
    "WEB_WORKER_CLASS",
    "WEB_THREADS",
    "WEB_TIMEOUT",
    "WEB_GRACEFUL_TIMEOUT",
    "WEB_KEEPALIVE",
    "WEB_ACCESS_LOG",
    "WEB_CONTROL_SOCKET",
    "ACCESS_LOG_FORMAT",
    "RATELIMIT_STORAGE_URI",
    "SECRET_KEY",
)


@pytest.fixture
def read(monkeypatch):
    """read(**environment) -> the settings gunicorn would take from the file."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)

    def read(**env) -> dict:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONFIG))

    return read


def test_the_defaults(read):
    config = read()
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["workers"] == max(2, os.cpu_count() or 1)
    assert (config["worker_class"], config["threads"]) == ("gthread", 8)
    assert (config["timeout"], config["graceful_timeout"], config["keepalive"]) == (30, 30, 5)
    assert config["accesslog"] == "-"
    assert config["logger_class"] is RedactingLogger
    assert config["control_socket_disable"] is True and "control_socket" not in config
    assert config["limit_request_field_size"] == 65_536


def test_everything_from_the_environment(read):
    config = read(
        WEB_BIND="0.0.0.0:8000, unix:/run/portal.sock",
        WEB_CONCURRENCY="3",
        WEB_THREADS="12",
        WEB_TIMEOUT="45",
        WEB_GRACEFUL_TIMEOUT="20",
        WEB_KEEPALIVE="75",
        WEB_ACCESS_LOG="/var/log/portal/access.log",
        WEB_CONTROL_SOCKET="/run/portal/gunicorn.ctl",
    )
    assert config["bind"] == ["0.0.0.0:8000", "unix:/run/portal.sock"]
    assert (config["workers"], config["threads"]) == (3, 12)
    assert (config["timeout"], config["graceful_timeout"], config["keepalive"]) == (45, 20, 75)
    assert config["accesslog"] == "/var/log/portal/access.log"
    assert config["control_socket"] == "/run/portal/gunicorn.ctl"
    assert config["control_socket_disable"] is False
    assert read(WEB_ACCESS_LOG="off")["accesslog"] is None


def test_sync_workers_have_one_thread(read):
    """gunicorn would turn sync workers with threads into gthread ones."""
    config = read(WEB_WORKER_CLASS="sync", WEB_THREADS="8")
    assert (config["worker_class"], config["threads"]) == ("sync", 1)


def test_an_unknown_access_log_format_is_refused(read):
    with pytest.raises(ValueError, match="ACCESS_LOG_FORMAT"):
        read(ACCESS_LOG_FORMAT="xml")


def warnings_at_start(read, workers: int, **env) -> str:
    messages = []
    log = SimpleNamespace(warning=lambda text, *args: messages.append(text % args))
    read(**env)["on_starting"](SimpleNamespace(log=log, cfg=SimpleNamespace(workers=workers)))
    return "\n".join(messages)


def test_warnings_about_process_local_state(read):
    assert "each worker counts the login limit on its own" in warnings_at_start(read, 4)
    assert "SECRET_KEY is not set" in warnings_at_start(read, 1)
    redis = "redis://127.0.0.1:6379/0"
    assert warnings_at_start(read, 4, RATELIMIT_STORAGE_URI=redis, SECRET_KEY="k") == ""
    assert "login limit" not in warnings_at_start(read, 1, SECRET_KEY="k")  # one process: no doubt


def test_the_logger_writes_redacted_json_lines(read, capsys):
    """The logger as gunicorn builds it (a unit view of what test_web_logs.py shows live)."""
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = RedactingLogger(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/verify-email?token=abc&x=1",
        "REMOTE_ADDR": "10.0.0.7",
    }
    response = SimpleNamespace(status="302 FOUND", sent=12, headers=[])
    request = SimpleNamespace(headers=[("X-REQUEST-ID", "r-1"), ("COOKIE", "s=secret")])
    logger.access(response, request, environ, timedelta(milliseconds=12.5))
    (line,) = capsys.readouterr().out.splitlines()
    assert '"path": "/verify-email?token=[redacted]&x=1"' in line
    assert '"status": 302' in line and '"request_id": "r-1"' in line
    assert "secret" not in line and "abc" not in line
