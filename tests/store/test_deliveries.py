"""The delivery ledger: fan-out writes one row per reader, claims lease them out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bulletin.domain.models import AlertDraft, DeliveryStatus
from bulletin.services import alerts, subscriptions
from bulletin.services.context import Context
from bulletin.store import deliveries, suppressions
from bulletin.store.tables import deliveries as ledger
from tests.support.factories import FakeClock, confirmed_reader, unique_email, web_requester

LEASE = timedelta(minutes=5)
ALERT = AlertDraft(
    headline="Quake hits city", summary="A strong quake hit.", url="https://n.example.com/q"
)


def _ledger_rows(ctx: Context) -> int:
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(ledger)).scalar_one())


def test_fan_out_queues_only_confirmed_unsuppressed_readers(ctx: Context, clock: FakeClock) -> None:
    confirmed = [confirmed_reader(ctx) for _ in range(3)]
    subscriptions.sign_up(
        ctx, email=unique_email(), list_slugs=["breaking"], requester=web_requester()
    )
    confirmed_reader(ctx, lists=["morning-briefing"])
    suppressed_email = unique_email()
    suppressed_id = confirmed_reader(ctx, email=suppressed_email)
    with ctx.db.transaction() as conn:
        suppressions.add(conn, suppressed_email, reason="hard_bounce", now=clock())

    fired = alerts.fire_alert(ctx, ALERT, actor=None)

    with ctx.db.transaction() as conn:
        queued = set(
            conn.execute(
                select(ledger.c.subscriber_id).where(ledger.c.campaign_id == fired.campaign_id)
            ).scalars()
        )
    assert fired.recipients == 3
    assert queued == set(confirmed)
    assert suppressed_id not in queued


def test_fan_out_twice_queues_nobody_twice(ctx: Context, clock: FakeClock) -> None:
    for _ in range(4):
        confirmed_reader(ctx)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    with ctx.db.transaction() as conn:
        again = deliveries.fan_out(
            conn, campaign_id=fired.campaign_id, list_id=1, send_after=clock()
        )
    assert again == 0
    assert _ledger_rows(ctx) == 4


def test_claim_leases_rows_to_one_worker(ctx: Context, clock: FakeClock) -> None:
    for _ in range(5):
        confirmed_reader(ctx)
    alerts.fire_alert(ctx, ALERT, actor=None)
    with ctx.db.transaction() as conn:
        first = deliveries.claim(conn, owner="a", now=clock(), lease=LEASE, limit=3)
    with ctx.db.transaction() as conn:
        second = deliveries.claim(conn, owner="b", now=clock(), lease=LEASE, limit=10)
    assert len(first) == 3
    assert len(second) == 2
    assert not {r.id for r in first} & {r.id for r in second}


def test_expired_lease_returns_rows_to_queue(ctx: Context, clock: FakeClock) -> None:
    for _ in range(2):
        confirmed_reader(ctx)
    alerts.fire_alert(ctx, ALERT, actor=None)
    with ctx.db.transaction() as conn:
        taken = deliveries.claim(conn, owner="dead-worker", now=clock(), lease=LEASE, limit=10)

    clock.advance(minutes=4)
    with ctx.db.transaction() as conn:
        while_leased = deliveries.claim(conn, owner="b", now=clock(), lease=LEASE, limit=10)
    clock.advance(minutes=2)
    with ctx.db.transaction() as conn:
        after_expiry = deliveries.claim(conn, owner="b", now=clock(), lease=LEASE, limit=10)

    assert while_leased == []
    assert {r.id for r in after_expiry} == {r.id for r in taken}


def test_rows_not_yet_due_are_not_claimed(ctx: Context, clock: FakeClock) -> None:
    confirmed_reader(ctx)
    alerts.fire_alert(ctx, ALERT, actor=None)
    with ctx.db.transaction() as conn:
        (row,) = deliveries.claim(conn, owner="a", now=clock(), lease=LEASE, limit=10)
        deliveries.mark_retry(conn, row.id, "451 later", retry_at=clock() + timedelta(minutes=1))
    with ctx.db.transaction() as conn:
        early = deliveries.claim(conn, owner="a", now=clock(), lease=LEASE, limit=10)
    clock.advance(minutes=1)
    with ctx.db.transaction() as conn:
        due = deliveries.claim(conn, owner="a", now=clock(), lease=LEASE, limit=10)
    assert early == []
    assert [r.id for r in due] == [row.id]
    assert due[0].attempts == 1


def test_counts_follow_outcomes(ctx: Context, clock: FakeClock) -> None:
    for _ in range(3):
        confirmed_reader(ctx)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    with ctx.db.transaction() as conn:
        a, b, _ = deliveries.claim(conn, owner="w", now=clock(), lease=LEASE, limit=10)
        deliveries.mark_sent(conn, [(a.id, "250 ok")], now=clock())
        deliveries.mark_final(conn, [(b.id, "550 no such user")], status=DeliveryStatus.FAILED)
        counts = deliveries.counts(conn, fired.campaign_id)
    assert (counts.sent, counts.failed, counts.queued, counts.total) == (1, 1, 1, 3)
