"""Readiness: can this installation send a breaking alert now?

Four checks, each with a short reason an operator can act on and nothing secret in it:
the database answers, its schema is the one this code expects, the mail route (the
catcher or every relay) accepts a TCP connection, and a worker's heartbeat is recent.
Load balancers poll this every second, so relay connections are tried at most every
`relay_every_s` and their answer kept meanwhile; the database checks are one query each.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from bulletin.services.context import Context
from bulletin.services.health.endpoints import Endpoint, endpoints
from bulletin.store import migrate, workers

HEARTBEAT_WITHIN = timedelta(seconds=60)
CONNECT_TIMEOUT_S = 1.0

Connect = Callable[[tuple[str, int], float], object]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)


class ReadinessProbe:
    def __init__(
        self,
        ctx: Context,
        *,
        connect: Connect = socket.create_connection,
        relay_every_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ctx = ctx
        self._connect = connect
        self._relay_every_s = relay_every_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._route: tuple[float, Check] | None = None

    def check(self) -> Readiness:
        database, schema, worker = self._database_checks()
        return Readiness((database, schema, self._mail_route(), worker))

    def _database_checks(self) -> tuple[Check, Check, Check]:
        try:
            revision = migrate.current_revision(self._ctx.db)
            with self._ctx.db.reading() as conn:
                beat = workers.latest(conn) if revision == migrate.HEAD else None
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            reason = f"not reachable ({type(cause).__name__})"
            unknown = Check("worker", False, "unknown: the database is not reachable")
            return Check("database", False, reason), Check("schema", False, "unknown"), unknown
        return Check("database", True, "reachable"), _schema(revision), self._worker(beat)

    def _worker(self, beat: workers.Heartbeat | None) -> Check:
        if beat is None:
            return Check("worker", False, "no worker has ever sent a heartbeat")
        age = self._ctx.clock() - beat.seen_at
        seconds = max(0, round(age.total_seconds()))
        if age > HEARTBEAT_WITHIN:
            return Check("worker", False, f"last heartbeat {seconds} s ago ({beat.worker})")
        return Check("worker", True, f"heartbeat {seconds} s ago ({beat.worker})")

    def _mail_route(self) -> Check:
        with self._lock:
            now = self._monotonic()
            if self._route is None or now - self._route[0] >= self._relay_every_s:
                self._route = (now, self._reach(endpoints(self._ctx.settings)))
            return self._route[1]

    def _reach(self, route: list[Endpoint]) -> Check:
        failed = [f"{e.name}: {why}" for e in route if (why := self._refusal(e))]
        if failed:
            return Check("mail_route", False, "; ".join(failed))
        return Check("mail_route", True, ", ".join(e.name for e in route) + " reachable")

    def _refusal(self, endpoint: Endpoint) -> str:
        """Why the endpoint cannot be reached, or "" if it can."""
        if endpoint.problem or endpoint.host is None:
            return endpoint.problem
        try:
            conn = self._connect((endpoint.host, endpoint.port), CONNECT_TIMEOUT_S)
        except OSError as exc:
            return exc.strerror or type(exc).__name__
        close = getattr(conn, "close", None)
        if close is not None:
            close()
        return ""


def _schema(revision: str | None) -> Check:
    if revision == migrate.HEAD:
        return Check("schema", True, f"at {revision}")
    found = revision or "empty"
    needed = f"this code needs {migrate.HEAD}: run `bulletin db upgrade`"
    return Check("schema", False, f"at {found}, {needed}")
