"""Counting a campaign's sends by minute, for its report's chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.readers import events
from bulletin.store.tables import deliveries
from tests.support.processes import create_readers

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_sends_are_counted_once_per_whole_minute(ctx: Context) -> None:
    readers = create_readers(ctx.db, 6)
    fired = alerts.fire_alert(
        ctx, AlertDraft("Polls close", "Counting starts.", "https://x.org/polls"), actor=None
    )
    seconds = [0, 7, 59, 60, 61, 185]  # three in 12:00, two in 12:01, one in 12:03
    with ctx.db.transaction() as conn:
        for reader, second in zip(readers, seconds, strict=True):
            conn.execute(
                update(deliveries)
                .where(deliveries.c.subscriber_id == reader)
                .values(status="sent", sent_at=START + timedelta(seconds=second))
            )
        per_minute = events.sent_per_minute(conn, fired.campaign_id)

    minute = int(START.timestamp()) // 60
    assert per_minute == [(minute, 3), (minute + 1, 2), (minute + 3, 1)]
