"""Serve a WSGI app on 127.0.0.1 in a background thread, for browser and HTTP tests.

    with LiveServer(app) as server:
        page.goto(server.url + "/login")

The server starts in the constructor on a free port chosen by the OS (port 0), so ``url`` is
valid at once; ``stop()`` (also called on leaving ``with``) shuts it down and is idempotent.
"""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import make_server


class LiveServer:
    """A threaded werkzeug server for ``wsgi_app`` on ``http://127.0.0.1:PORT``."""

    def __init__(self, wsgi_app: Any, host: str = "127.0.0.1") -> None:
        self._server = make_server(host, 0, wsgi_app, threaded=True)
        self.host = host
        self.port: int = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"live-server-{self.port}", daemon=True
        )
        self._thread.start()
        self._stopped = False

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:40123``."""
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop serving, close the socket and join the thread. Safe to call repeatedly."""
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
