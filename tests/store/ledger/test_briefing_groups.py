"""A briefing's ledger, range by range: each reader once, however often a range is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bulletin.domain.models import CampaignKind, DeliveryStatus
from bulletin.services.context import Context
from bulletin.store import campaigns
from bulletin.store import lists as list_store
from bulletin.store.ledger import briefing as briefing_ledger
from bulletin.store.tables import deliveries
from tests.support.briefing import briefing_reader
from tests.support.factories import FakeClock, suppress, unique_email

SEND = datetime(2030, 1, 8, 6, 0, tzinfo=UTC)


def _write_all(ctx: Context, campaign_id: int, list_id: int) -> int:
    """Every group's readers, in ranges of two ids (so the readers span several ranges)."""
    with ctx.db.transaction() as conn:
        sends = [
            briefing_ledger.GroupSend(group, SEND, SEND + timedelta(hours=6))
            for group in briefing_ledger.groups(conn, list_id)
        ]
        return sum(
            briefing_ledger.write_range(
                conn,
                campaign_id=campaign_id,
                list_id=list_id,
                sends=sends,
                after=after,
                upto=upto,
            )
            for after, upto in briefing_ledger.ranges(conn, list_id, width=2)
        )


def test_writing_the_ranges_again_after_a_crash_queues_nobody_twice_and_changes_nothing(
    ctx: Context, clock: FakeClock
) -> None:
    london = [briefing_reader(ctx, zone="Europe/London") for _ in range(3)]
    tokyo = [briefing_reader(ctx, zone="Asia/Tokyo", at="07:30", topics=["sport"])]
    gone = unique_email()
    briefing_reader(ctx, zone="Europe/London", email=gone)
    suppress(ctx, gone)
    with ctx.db.transaction() as conn:
        (the_list,) = list_store.by_slugs(conn, ["morning-briefing"])
        campaign_id = campaigns.insert(
            conn,
            kind=CampaignKind.BRIEFING,
            list_id=the_list.id,
            subject="Your morning briefing",
            headline="h",
            summary="s",
            url="https://news.example.com/b",
            created_by=None,
            now=clock(),
            expires_at=SEND + timedelta(hours=6),
        )

    assert _write_all(ctx, campaign_id, the_list.id) == 4  # the suppressed reader left out
    with ctx.db.transaction() as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.subscriber_id == london[0])
            .values(status=DeliveryStatus.SENT)
        )
    assert _write_all(ctx, campaign_id, the_list.id) == 0

    with ctx.db.transaction() as conn:
        rows = conn.execute(
            select(deliveries.c.subscriber_id, deliveries.c.status, deliveries.c.segment)
        ).all()
    assert sorted(r.subscriber_id for r in rows) == sorted(london + tokyo)
    assert {r.subscriber_id: r.status for r in rows}[london[0]] == "sent"  # left as it was
    assert {r.subscriber_id: r.segment for r in rows}[tokyo[0]] != 0  # their topics' segment
