"""`bulletin worker --metrics-port P`: a worker's own metrics over HTTP, for a worker on a
machine of its own (on the machine of `serve`, multi-process mode adds it to /metrics).

A small threaded WSGI server: one page, /metrics, with the same rule as the web app's
(loopback, `BULLETIN_METRICS_NETWORKS`, or the bearer token), and no access log.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST

from bulletin import metrics
from bulletin.config import Settings
from bulletin.services.health.metrics_access import may_read


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


def metrics_app(settings: Settings) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Only /metrics is here.\n"]
        client, authorization = environ.get("REMOTE_ADDR"), environ.get("HTTP_AUTHORIZATION", "")
        if not may_read(settings, client=client, authorization=authorization):
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"Not allowed: read /metrics from an allowed network or with the token.\n"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [metrics.exposition()]

    return app


def serve_in_thread(settings: Settings, *, host: str, port: int) -> Callable[[], None]:
    """Start serving; returns the function that stops it."""
    server_class = _Server6 if ":" in host else _Server
    server = make_server(
        host, port, metrics_app(settings), server_class=server_class, handler_class=_Quiet
    )
    thread = threading.Thread(target=server.serve_forever, name="bulletin-metrics", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return stop
