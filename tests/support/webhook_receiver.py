"""A real webhook receiver on loopback: down, failing or up as a test says; keeps what it took."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.ports import free_port


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    status: int
    received: list[Received]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if 200 <= self.server.status < 300:  # only what was accepted counts as received
            self.server.received.append(
                Received({k.lower(): v for k, v in self.headers.items()}, body)
            )
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class WebhookReceiver:
    """Listens on a port chosen up front, so it can be down (connection refused) at first."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/bulletin"

    def up(self, status: int = 204) -> WebhookReceiver:
        """Listen (if not yet) and answer every POST with `status`."""
        if self._server is None:
            self._server = _Server(("127.0.0.1", self.port), _Handler)
            self._server.received = self.received
            self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
            self._thread.start()
        self._server.status = status
        return self

    def down(self) -> None:
        """Stop listening: connections are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            if self._thread is not None:
                with contextlib.suppress(RuntimeError):
                    self._thread.join(timeout=5)
