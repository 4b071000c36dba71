"""The ledger's live figures for /metrics: rows by status of sending campaigns, first-send lag."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bulletin.domain.models import AlertDraft, CampaignKind, DeliveryStatus
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.ledger import counts
from bulletin.store.tables import campaigns, deliveries
from tests.support.factories import confirmed_reader

ALERT = AlertDraft(headline="Flood", summary="Rivers rise.", url="https://news.example.com/f")


def test_each_sending_campaign_has_its_rows_by_status(ctx: Context) -> None:
    for _ in range(3):
        confirmed_reader(ctx)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    with ctx.db.reading() as conn:
        assert counts.sending_by_status(conn) == [(fired.campaign_id, "alert", "queued", 3)]
    with ctx.db.transaction() as conn:
        conn.execute(update(campaigns).values(status="sent"))
    with ctx.db.reading() as conn:
        assert counts.sending_by_status(conn) == []


def test_the_first_planned_reader_s_wait_is_the_lag(ctx: Context) -> None:
    for _ in range(2):
        confirmed_reader(ctx)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    with ctx.db.reading() as conn:
        assert counts.first_send_lag(conn, CampaignKind.ALERT) is None  # nothing sent yet
        first = conn.execute(
            select(deliveries.c.id, deliveries.c.send_after).order_by(deliveries.c.id).limit(1)
        ).one()
    with ctx.db.transaction() as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id == first.id)
            .values(status=DeliveryStatus.SENT, sent_at=first.send_after + timedelta(seconds=30))
        )
    with ctx.db.reading() as conn:
        assert counts.first_send_lag(conn, CampaignKind.ALERT) == (fired.campaign_id, 30.0)
        assert counts.first_send_lag(conn, CampaignKind.BRIEFING) is None
