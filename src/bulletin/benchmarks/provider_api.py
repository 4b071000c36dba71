"""A loopback server that speaks a mail provider's sending API: for tests and the benchmark.

One `ProviderApiServer` speaks one of SES v2 (`SendEmail`, SigV4 checked by recomputing
the signature with botocore), SendGrid v3 Mail Send, Mailgun's `messages.mime` and
batched `messages`, and Postmark's `/email/batch`, as each documents its requests and
answers: it refuses wrong credentials and malformed requests as the provider would,
accepts the rest with a provider-style message id, and keeps what it received.

Tests steer it: `script` holds what the next requests meet (`throttle`, `auth`,
`error`, `hang` until `release`, `suspended`, and for SendGrid and Mailgun
`refuse-request`: a refusal of the whole request that names no reader), and
`refuse(address)` makes the API reject that recipient (SES MessageRejected, SendGrid
400, Mailgun 400, Postmark ErrorCode 406). SendGrid's personalizations and Mailgun's
recipient variables are expanded into each reader's message (`provider_batches`), kept
as each `Message`'s `expanded`. The benchmark counts arrivals by Message-ID in
`SinkCounters`.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

from bulletin.benchmarks import provider_answers as answers
from bulletin.benchmarks.sink import SinkCounters

REGION = "eu-west-1"


@dataclass
class Received:
    """One request the API accepted: its path and headers, and each message in it."""

    path: str
    headers: dict[str, str]
    messages: list[answers.Message]


@dataclass
class ApiState:
    kind: str
    user: str
    secret: str
    domain: str = "news.example.com"
    region: str = "eu-west-1"  # REGION: the one the relay URL names
    script: deque[str] = field(default_factory=deque)
    refused: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    counters: SinkCounters | None = None
    campaign: Any = None
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_behaviour(self) -> str:
        with self.lock:
            return self.script.popleft() if self.script else "ok"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: ApiState


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as the providers' APIs

    def do_POST(self) -> None:
        state = self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = answers.Request(
            path=self.path,
            host=self.headers.get("Host", ""),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        behaviour = state.next_behaviour()
        if behaviour == "hang":
            state.released.wait(30)
            self.close_connection = True
            return
        answer = answers.answer(state, request, behaviour)
        if answer.accepted is not None:
            with state.lock:
                state.received.append(Received(self.path, request.headers, answer.accepted))
            if state.counters is not None:
                answers.count(state.counters, state.campaign, answer.accepted)
        self._reply(answer)

    def _reply(self, answer: answers.Answer) -> None:
        payload = (
            answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
        )
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


class ProviderApiServer:
    """`ProviderApiServer("postmark", secret="token").start()`; `.url` is its relay URL."""

    def __init__(
        self,
        kind: str,
        *,
        user: str = "",
        secret: str,
        domain: str = "news.example.com",
        counters: SinkCounters | None = None,
        campaign: Any = None,
        port: int = 0,
    ) -> None:
        self.state = ApiState(
            kind, user or _default_user(kind), secret, domain, counters=counters, campaign=campaign
        )
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.state = self.state
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, *, secret: str | None = None, options: str = "") -> str:
        """The relay URL that reaches this server (with another secret, to test refusals)."""
        s = self.state
        return relay_url(
            s.kind,
            self.port,
            user=s.user,
            secret=secret or s.secret,
            domain=s.domain,
            options=options,
        )

    @property
    def script(self) -> deque[str]:
        return self.state.script

    @property
    def received(self) -> list[Received]:
        with self.state.lock:
            return list(self.state.received)

    def refuse(self, address: str) -> None:
        self.state.refused.add(address.lower())

    def release(self) -> None:
        self.state.released.set()

    def start(self) -> ProviderApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


def relay_url(
    kind: str,
    port: int,
    *,
    secret: str,
    user: str = "",
    domain: str = "news.example.com",
    options: str = "",
) -> str:
    """The `KIND+http://` relay URL of a loopback server of this kind on `port`."""
    path = f"/{domain}" if kind == "mailgun" else ""
    query = "&".join(q for q in (f"region={REGION}" if kind == "ses" else "", options) if q)
    user_info = f"{quote(user or _default_user(kind), safe='')}:{quote(secret, safe='')}"
    return f"{kind}+http://{user_info}@127.0.0.1:{port}{path}" + (f"?{query}" if query else "")


def _default_user(kind: str) -> str:
    return {"ses": "AKIDEXAMPLE", "mailgun": "api"}.get(kind, "")


def serve(kind: str, port: int, counters: SinkCounters, campaign: Any, ready: Any) -> None:
    """Process entry point for the benchmark: serve until SIGTERM."""
    import signal

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    server = ProviderApiServer(
        kind, secret=BENCH_SECRET, counters=counters, campaign=campaign, port=port
    ).start()
    ready.set()
    signal.sigwait({signal.SIGTERM})
    server.stop()


BENCH_SECRET = "bench-provider-key"
