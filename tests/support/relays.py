"""Loopback SMTP relays for transport tests: TLS, AUTH, scripted DATA replies, a log of connections.

Built on `smtp_sink`: the handler is a `SinkHandler` that also notes, for every message
it accepts, which client connection it came on and whether that connection was
encrypted, so tests can count connections and prove TLS without peeking at the client.
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.ports import free_port
from tests.support.smtp_sink import Received, SinkHandler


@dataclass(frozen=True)
class Arrival:
    peer: tuple[str, int]
    encrypted: bool
    helo: str = ""  # the name the client greeted with (EHLO)


@dataclass
class RelayHandler(SinkHandler):
    """A SinkHandler that logs each message's connection and can refuse at DATA or hang up."""

    arrivals: list[Arrival] = field(default_factory=list)
    data_reply: str | None = None
    hang_up_after_data: bool = False
    servers: list[Any] = field(default_factory=list)  # each connection that sent a message

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        encrypted = server.transport.get_extra_info("cipher") is not None
        with self.lock:
            self.arrivals.append(Arrival(tuple(session.peer[:2]), encrypted, session.host_name))
            if server not in self.servers:
                self.servers.append(server)
        if self.hang_up_after_data:
            # Runs once the reply is written: the relay closing an idle connection.
            server.loop.call_soon(server.transport.close)
        if self.data_reply:
            return self.data_reply
        return await super().handle_DATA(server, session, envelope)


class Relay:
    """An aiosmtpd server on a free loopback port; a context manager that starts and stops it.

    `controller_options` go to aiosmtpd's Controller and SMTP: `tls_context` and
    `require_starttls` for STARTTLS, `ssl_context` for implicit TLS, `authenticator`,
    `auth_required` and `auth_require_tls` for AUTH.
    """

    def __init__(self, **controller_options: Any) -> None:
        self.handler = RelayHandler()
        self.port = free_port()
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **controller_options
        )

    def url(self, scheme: str = "smtp", *, credentials: str = "", query: str = "") -> str:
        userinfo = f"{credentials}@" if credentials else ""
        return f"{scheme}://{userinfo}127.0.0.1:{self.port}" + (f"?{query}" if query else "")

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    @property
    def arrivals(self) -> list[Arrival]:
        with self.handler.lock:
            return list(self.handler.arrivals)

    @property
    def connections_used(self) -> int:
        return len({arrival.peer for arrival in self.arrivals})

    def close_idle_connections(self, notice: str | None = None) -> int:
        """Hang up on every connection, as a relay does with ones idle too long; how many.

        With `notice` (say "421 4.4.2 idle too long") it is said first, as Postfix does.
        """
        with self.handler.lock:
            servers, self.handler.servers[:] = list(self.handler.servers), []
        if not servers:
            return 0
        done = threading.Event()

        def hang_up() -> None:  # on the relay's own loop, which all its connections share
            for server in servers:
                if notice and not server.transport.is_closing():
                    server.transport.write(f"{notice}\r\n".encode())
                server.transport.close()
            done.set()

        servers[0].loop.call_soon_threadsafe(hang_up)
        assert done.wait(timeout=10), "the relay did not hang up"
        return len(servers)

    def __enter__(self) -> Relay:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


@dataclass(frozen=True)
class Certificates:
    """A private CA and a certificate for 127.0.0.1: server and client TLS contexts."""

    ca: trustme.CA = field(default_factory=trustme.CA)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1").configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


def password_checker(username: str, password: str, *, heard: list[bytes] | None = None) -> Any:
    """An aiosmtpd authenticator that accepts exactly one login; `heard` collects the
    passwords it was given, to show whether one ever crossed the wire."""

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        if heard is not None and isinstance(data, LoginPassword):
            heard.append(data.password)
        ok = isinstance(data, LoginPassword) and data == (username.encode(), password.encode())
        return AuthResult(success=ok, handled=False)  # False: aiosmtpd sends the 535 itself

    return authenticate
