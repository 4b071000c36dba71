"""Readiness: database, schema, mail route and a recent worker, each with its reason."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bulletin.services.context import Context
from bulletin.services.health.readiness import HEARTBEAT_WITHIN, ReadinessProbe
from bulletin.store import workers
from bulletin.store.db import Database
from tests.support.factories import FakeMonotonic
from tests.support.ports import free_port
from tests.support.smtp_sink import SmtpSink


def _checks(probe: ReadinessProbe) -> dict[str, tuple[bool, str]]:
    return {c.name: (c.ok, c.detail) for c in probe.check().checks}


def _beat(ctx: Context, age: timedelta) -> None:
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        workers.beat(conn, worker="host:42", started_at=now - age, now=now - age)


@pytest.fixture
def relay_ctx(ctx: Context, smtp_sink: SmtpSink) -> Iterator[Context]:
    """`ctx` sending through a real SMTP server on loopback, with a password."""
    url = f"smtp://editor:s3cret-pw@127.0.0.1:{smtp_sink.port}"
    yield replace(ctx, settings=ctx.settings.model_copy(update={"smtp_url": url}))


def test_a_migrated_database_a_reachable_relay_and_a_fresh_heartbeat_are_ready(
    relay_ctx: Context,
) -> None:
    _beat(relay_ctx, timedelta(seconds=5))
    probe = ReadinessProbe(relay_ctx)
    readiness = probe.check()
    assert readiness.ready, readiness
    checks = _checks(probe)
    assert checks["worker"] == (True, "heartbeat 5 s ago (host:42)")
    assert "s3cret-pw" not in str(checks)


def test_without_a_heartbeat_in_the_last_minute_it_is_not_ready(relay_ctx: Context) -> None:
    probe = ReadinessProbe(relay_ctx)
    assert _checks(probe)["worker"] == (False, "no worker has ever sent a heartbeat")
    _beat(relay_ctx, HEARTBEAT_WITHIN + timedelta(seconds=30))
    assert _checks(probe)["worker"] == (False, "last heartbeat 90 s ago (host:42)")
    assert not probe.check().ready


def test_a_relay_that_refuses_connections_is_named_without_its_password(ctx: Context) -> None:
    url = f"smtp://editor:s3cret-pw@127.0.0.1:{free_port()}"
    settings = ctx.settings.model_copy(update={"smtp_url": url})
    _beat(ctx, timedelta(seconds=1))
    ok, detail = _checks(ReadinessProbe(replace(ctx, settings=settings)))["mail_route"]
    assert not ok
    assert "127.0.0.1" in detail and "refused" in detail.lower()
    assert "s3cret-pw" not in detail


def test_relays_are_tried_at_most_once_per_interval(relay_ctx: Context) -> None:
    tried: list[tuple[str, int]] = []

    def connect(address: tuple[str, int], timeout: float) -> socket.socket:
        tried.append(address)
        return socket.create_connection(address, timeout)

    monotonic = FakeMonotonic()
    probe = ReadinessProbe(relay_ctx, connect=connect, relay_every_s=5.0, monotonic=monotonic)
    for _ in range(3):
        probe.check()
    assert len(tried) == 1
    monotonic.now += 5.0
    probe.check()
    assert len(tried) == 2


def test_a_database_behind_the_code_is_not_ready_and_says_what_to_run(
    ctx: Context, tmp_path: Path
) -> None:
    empty = replace(ctx, db=Database(f"sqlite:///{tmp_path / 'empty.db'}"))
    checks = _checks(ReadinessProbe(empty))
    assert checks["database"] == (True, "reachable")
    ok, detail = checks["schema"]
    assert not ok and "bulletin db upgrade" in detail
    empty.db.dispose()


def test_an_unreachable_database_is_reported_without_its_address(ctx: Context) -> None:
    url = "postgresql+psycopg://bulletin:db-pa55@127.0.0.1:1/none?connect_timeout=1"
    gone = replace(ctx, db=Database(url))
    checks = _checks(ReadinessProbe(gone))
    assert checks["database"][0] is False
    assert "db-pa55" not in str(checks) and "127.0.0.1:1" not in str(checks)
    gone.db.dispose()
