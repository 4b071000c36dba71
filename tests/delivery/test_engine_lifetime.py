"""A worker runs for months: it keeps no finished campaign in memory, and it stops when
told even while the database is away, saying what it could not record."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.db import Database
from bulletin.store.tables import deliveries
from tests.conftest import _empty_postgres
from tests.support.engines import engine_for
from tests.support.factories import FakeClock, confirmed_reader, make_settings
from tests.support.processes import wait_until
from tests.support.smtp_sink import SmtpSink

ALERT = AlertDraft(
    headline="Bridge closed after barge strike",
    summary="Engineers are inspecting the piers.",
    url="https://news.example.com/city/bridge",
)


def test_worker_keeps_no_message_of_a_campaign_that_has_finished(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    confirmed_reader(ctx)
    alerts.fire_alert(ctx, ALERT, actor=None)
    engine = engine_for(ctx, smtp_sink.url)

    engine.run_until_idle()

    assert len(smtp_sink.list_mail()) == 1
    assert engine.cached_campaigns == set()


@pytest.fixture
def pg_ctx(postgres_migrated: str, tmp_path: Path, clock: FakeClock) -> Iterator[Context]:
    _empty_postgres(postgres_migrated)
    context = Context(
        settings=make_settings(tmp_path, postgres_migrated),
        db=Database(postgres_migrated),
        clock=clock,
    )
    yield context
    context.db.dispose()


class Outage:
    """The test database refuses connections and its open ones are cut, until `end()`."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.name = url.database
        self.admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def begin(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": self.name},
            )

    def end(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true'))
        self.admin.dispose()


@pytest.mark.postgres
def test_stopping_while_the_database_is_away_gives_up_after_the_grace_and_says_so(
    pg_ctx: Context, smtp_sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(3):
        confirmed_reader(pg_ctx)
    fired = alerts.fire_alert(pg_ctx, ALERT, actor=None)
    engine = engine_for(pg_ctx, f"{smtp_sink.url}&connections=1&rate=2")
    engine.shutdown_grace_s = 1.0
    stop = threading.Event()
    worker = threading.Thread(target=engine.run_forever, args=(stop,), daemon=True)
    outage = Outage(str(pg_ctx.db.engine.url.render_as_string(hide_password=False)))
    caplog.set_level(logging.ERROR, logger="bulletin.delivery.engine")

    worker.start()
    try:
        wait_until(lambda: len(smtp_sink.list_mail()) >= 1, timeout=30, what="the first send")
        outage.begin()
        wait_until(lambda: len(smtp_sink.list_mail()) == 3, timeout=30, what="the other sends")
        stop.set()
        worker.join(timeout=20)
        stopped = not worker.is_alive()
    finally:
        outage.end()

    assert stopped, "the worker kept waiting for the database after it was told to stop"
    (report,) = [r for r in caplog.records if "were not recorded" in r.getMessage()]
    assert "accepted by a relay" in report.getMessage()
    with pg_ctx.db.transaction() as conn:
        statuses = conn.execute(
            select(deliveries.c.status).where(deliveries.c.campaign_id == fired.campaign_id)
        ).scalars()
        # Sent during the outage: still leased, so the sweep returns them (never "sent"
        # without a record, never lost).
        assert sorted(statuses).count("sending") >= 2
