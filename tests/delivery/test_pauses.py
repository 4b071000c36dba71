"""Sends pause themselves on what comes back: complaints past 0.3 %, and refusals for the
newsroom's own reasons past the send's error rate; an editor may resume."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from bulletin.delivery.pauses import pause_on_returns
from bulletin.domain.models import AlertDraft, CampaignStatus
from bulletin.services.alerts import sending as alerts
from bulletin.services.campaigns import steering
from bulletin.services.context import Context
from bulletin.store import campaigns
from bulletin.store.readers import events as event_store
from bulletin.store.tables import deliveries
from tests.support.processes import create_readers

ALERT = AlertDraft("Storm warning", "Gusts of 120 km/h tonight.", "https://x.org/storm")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def sending_alert_with(ctx: Context, *, delivered: int, complaints: int) -> int:
    readers = create_readers(ctx.db, delivered)
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    with ctx.db.transaction() as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.campaign_id == campaign_id)
            .values(status="sent", sent_at=NOW)
        )
    complain(ctx, campaign_id, readers[:complaints])
    return campaign_id


def complain(
    ctx: Context,
    campaign_id: int,
    readers: list[int],
    kind: event_store.EventKind = event_store.EventKind.COMPLAINT,
) -> None:
    with ctx.db.transaction() as conn:
        for reader in readers:
            event = event_store.Event(
                kind,
                campaign_id,
                reader,
                f"r{reader}@readers.example.org",
                "feedback-type abuse",
                f"{kind}-{campaign_id}-{reader}",
            )
            event_store.record(conn, event, now=NOW)


def status(ctx: Context, campaign_id: int) -> tuple[CampaignStatus, str | None]:
    with ctx.db.transaction() as conn:
        campaign = campaigns.get(conn, campaign_id)
    assert campaign is not None
    return campaign.status, campaign.status_reason


def test_three_complaints_in_a_thousand_pause_the_send_and_say_why(ctx: Context) -> None:
    campaign_id = sending_alert_with(ctx, delivered=1000, complaints=3)

    assert pause_on_returns(ctx.db, now=ctx.clock(), error_rate=0.5) == [campaign_id]

    state, reason = status(ctx, campaign_id)
    assert state is CampaignStatus.PAUSED
    assert reason is not None and "0.30 % (3 complaints over 1,000 delivered)" in reason


def test_under_the_line_or_under_a_thousand_delivered_the_send_goes_on(ctx: Context) -> None:
    few = sending_alert_with(ctx, delivered=999, complaints=3)

    assert pause_on_returns(ctx.db, now=ctx.clock(), error_rate=0.5) == []
    assert status(ctx, few)[0] is CampaignStatus.SENDING


def test_after_an_editor_resumes_it_pauses_again_only_if_complaints_keep_coming(
    ctx: Context,
) -> None:
    campaign_id = sending_alert_with(ctx, delivered=1000, complaints=3)
    pause_on_returns(ctx.db, now=ctx.clock(), error_rate=0.5)
    steering.resume(ctx, campaign_id, actor=None)

    assert pause_on_returns(ctx.db, now=ctx.clock(), error_rate=0.5) == []
    with ctx.db.transaction() as conn:
        readers = [
            r
            for (r,) in conn.execute(
                deliveries.select()
                .with_only_columns(deliveries.c.subscriber_id)
                .where(deliveries.c.campaign_id == campaign_id)
                .order_by(deliveries.c.subscriber_id)
                .offset(3)
                .limit(3)
            )
        ]
    complain(ctx, campaign_id, readers)

    assert pause_on_returns(ctx.db, now=ctx.clock(), error_rate=0.5) == [campaign_id]


def test_receivers_refusing_half_the_send_for_the_newsrooms_reasons_pause_it(
    ctx: Context,
) -> None:
    campaign_id = sending_alert_with(ctx, delivered=200, complaints=0)
    with ctx.db.transaction() as conn:
        readers = list(
            conn.execute(
                deliveries.select()
                .with_only_columns(deliveries.c.subscriber_id)
                .where(deliveries.c.campaign_id == campaign_id)
            ).scalars()
        )
    complain(ctx, campaign_id, readers[:99], kind=event_store.EventKind.SENDER)
    assert pause_on_returns(ctx.db, now=ctx.clock(), error_rate=0.5) == []  # 99 of 200

    complain(ctx, campaign_id, readers[99:100], kind=event_store.EventKind.SENDER)

    assert pause_on_returns(ctx.db, now=ctx.clock(), error_rate=0.5) == [campaign_id]
    state, reason = status(ctx, campaign_id)
    assert state is CampaignStatus.PAUSED
    assert reason is not None and "refused 100 of 200 messages (50%)" in reason
