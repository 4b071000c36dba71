"""The delivery ledger: fan-out writes one row per reader, claims lease them out."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Connection, event, func, select

from bulletin.delivery import scheduler
from bulletin.domain.models import AlertDraft, DeliveryStatus
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.store import campaigns as campaign_store
from bulletin.store.ledger import claims, fanout, outcomes
from bulletin.store.ledger.counts import campaign_counts
from bulletin.store.readers import suppressions
from bulletin.store.tables import deliveries as ledger
from tests.support.factories import (
    FakeClock,
    confirmed_reader,
    digest,
    unique_email,
    web_requester,
)
from tests.support.processes import create_readers

LEASE = timedelta(minutes=5)
ALERT = AlertDraft(
    headline="Quake hits city", summary="A strong quake hit.", url="https://n.example.com/q"
)


def _ledger_rows(ctx: Context) -> int:
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(ledger)).scalar_one())


def _claim(ctx: Context, clock: FakeClock, campaign_id: int, owner: str = "a", limit: int = 10):  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as conn:
        return claims.claim(
            conn, owner=owner, now=clock(), lease=LEASE, limit=limit, campaign_ids=[campaign_id]
        )


def test_fan_out_queues_only_confirmed_unsuppressed_readers(ctx: Context, clock: FakeClock) -> None:
    confirmed = [confirmed_reader(ctx) for _ in range(3)]
    subscriptions.sign_up(
        ctx, email=unique_email(), list_slugs=["breaking"], requester=web_requester()
    )
    confirmed_reader(ctx, lists=["morning-briefing"])
    suppressed_email = unique_email()
    suppressed_id = confirmed_reader(ctx, email=suppressed_email)
    # Suppressed, but not readers of this list: they must not be taken off its count.
    elsewhere_email = unique_email()
    confirmed_reader(ctx, lists=["morning-briefing"], email=elsewhere_email)
    with ctx.db.transaction() as conn:
        for email in (suppressed_email, elsewhere_email, unique_email()):
            suppressions.add(conn, digest(ctx, email), reason="hard_bounce", now=clock())

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


def test_fan_out_writes_keyset_chunks_and_resumes_from_the_cursor(
    ctx: Context, clock: FakeClock
) -> None:
    readers = sorted(confirmed_reader(ctx) for _ in range(7))
    fired = alerts.fire_alert(ctx, ALERT, actor=None)  # the first chunk (all 7) at once
    with ctx.db.transaction() as conn:
        conn.execute(ledger.delete())  # start again, by hand, in chunks of 3
    steps = []
    cursor = None
    for _ in range(4):
        with ctx.db.transaction() as conn:
            chunk = fanout.step(
                conn,
                campaign_id=fired.campaign_id,
                list_id=1,
                cursor=cursor,
                send_after=clock(),
                limit=3,
            )
        steps.append((chunk.added, chunk.done))
        cursor = chunk.cursor
        if chunk.done:
            break
    assert steps == [(3, False), (3, False), (1, True)]
    assert cursor == readers[-1]
    assert _ledger_rows(ctx) == 7


def test_fan_out_twice_queues_nobody_twice(ctx: Context, clock: FakeClock) -> None:
    for _ in range(4):
        confirmed_reader(ctx)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    with ctx.db.transaction() as conn:
        again = fanout.step(
            conn, campaign_id=fired.campaign_id, list_id=1, cursor=None, send_after=clock()
        )
    assert again.added == 0
    assert _ledger_rows(ctx) == 4


def test_a_middle_chunk_run_again_queues_only_its_readers_missing_from_the_ledger(
    ctx: Context, clock: FakeClock
) -> None:
    readers = sorted(confirmed_reader(ctx) for _ in range(6))
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    lost = [readers[0], readers[2], readers[3], readers[5]]  # inside the chunk and around it
    with ctx.db.transaction() as conn:
        conn.execute(ledger.delete().where(ledger.c.subscriber_id.in_(lost)))
        again = fanout.step(
            conn,
            campaign_id=fired.campaign_id,
            list_id=1,
            cursor=readers[1],
            send_after=clock(),
            limit=3,
        )
        queued = set(conn.execute(select(ledger.c.subscriber_id)).scalars())
    assert (again.added, again.cursor) == (2, readers[4])
    assert queued == {readers[1], readers[2], readers[3], readers[4]}


def test_a_reader_suppressed_after_the_fan_out_is_claimed_as_not_to_be_sent(
    ctx: Context, clock: FakeClock
) -> None:
    kept = confirmed_reader(ctx)
    bounced_email = unique_email()
    bounced = confirmed_reader(ctx, email=bounced_email)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    # A hard bounce from another send arrives while this one is still queued.
    with ctx.db.transaction() as conn:
        suppressions.add(conn, digest(ctx, bounced_email), reason="hard_bounce", now=clock())

    rows = {
        row.subscriber_id: row.still_subscribed for row in _claim(ctx, clock, fired.campaign_id)
    }
    assert rows == {kept: True, bounced: False}


def test_claim_leases_rows_to_one_worker(ctx: Context, clock: FakeClock) -> None:
    for _ in range(5):
        confirmed_reader(ctx)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    first = _claim(ctx, clock, fired.campaign_id, owner="a", limit=3)
    second = _claim(ctx, clock, fired.campaign_id, owner="b", limit=10)
    assert len(first) == 3
    assert len(second) == 2
    assert not {r.id for r in first} & {r.id for r in second}


def test_a_claim_over_two_campaigns_takes_the_older_first_and_fills_up_from_the_next(
    ctx: Context, clock: FakeClock
) -> None:
    for _ in range(3):
        confirmed_reader(ctx)
    older = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    newer = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id

    with ctx.db.transaction() as conn:
        taken = claims.claim(
            conn, owner="a", now=clock(), lease=LEASE, limit=5, campaign_ids=[newer, older]
        )

    assert sorted(row.campaign_id for row in taken) == [older] * 3 + [newer] * 2


def test_a_claim_reads_the_due_rows_in_order_from_an_index_even_with_a_generic_plan(
    ctx: Context, clock: FakeClock
) -> None:
    """A claim must cost the rows it takes, not the whole queue.

    A plan that could not use the due rows' index (PostgreSQL's generic plan for a
    prepared claim, with the status bound, could not use a partial one) read and
    sorted every queued row of the campaign: 0.3 s a claim with a million queued.
    """
    create_readers(ctx.db, 1000)
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    if ctx.db.dialect == "postgresql":  # the planner's statistics, as a live ledger has them
        _analyse(ctx)
    assert _index_of_claims(ctx, clock, campaign_id) == "ix_deliveries_campaign_queue"


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_claim_reads_the_due_rows_in_order_on_a_ledger_that_has_just_grown(
    ctx: Context, clock: FakeClock
) -> None:
    """PostgreSQL plans with the statistics it has. A ledger last analysed while empty,
    then fanned out to 50,000 readers (a newsroom's first big alert, or any alert
    before autovacuum comes round): with a partial due-rows index beside a (campaign,
    status) one, the planner claimed through the latter and sorted the whole queue
    for each claim, 50 ms a claim at 300,000 queued. Planned per claim or generically
    (after psycopg prepares it), a claim reads the due rows' index; one ledger for
    both, since fanning out 50,000 is most of the test's time."""
    _analyse(ctx)
    create_readers(ctx.db, 50_000)
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    while scheduler.run_round(ctx.db, now=clock(), briefing=None).fanouts_pending:
        pass
    used = {
        plans: _index_of_claims(ctx, clock, campaign_id, plans=plans)
        for plans in ("force_custom_plan", "force_generic_plan")
    }
    assert used == {
        "force_custom_plan": "ix_deliveries_campaign_queue",
        "force_generic_plan": "ix_deliveries_campaign_queue",
    }


def _analyse(ctx: Context) -> None:
    with ctx.db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE deliveries")


def _index_of_claims(
    ctx: Context, clock: FakeClock, campaign_id: int, *, plans: str = "force_generic_plan"
) -> str:
    """The index eight claims read the due rows from, planned as `plans` says (PostgreSQL)."""
    seen: list[tuple[str, object]] = []

    def note_claims(_conn, _cursor, statement: str, parameters, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE deliveries SET status"):
            seen.append((statement, parameters))

    event.listen(ctx.db.engine, "before_cursor_execute", note_claims)
    try:
        with ctx.db.transaction() as conn:
            if ctx.db.dialect == "postgresql":
                conn.exec_driver_sql(f"SET LOCAL plan_cache_mode = {plans}")
            before = _index_scans(conn)
            for _ in range(8):  # psycopg prepares a statement on its sixth run
                claims.claim(
                    conn, owner="a", now=clock(), lease=LEASE, limit=5, campaign_ids=[campaign_id]
                )
            used = _indexes_used(conn, before, seen[-1])
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", note_claims)
    assert len(seen) == 8
    return used


_SCANS = (
    "SELECT indexrelname, pg_stat_get_xact_numscans(indexrelid) FROM pg_stat_user_indexes"
    " WHERE relname = 'deliveries'"
)


def _index_scans(conn) -> dict[str, int]:  # type: ignore[no-untyped-def]
    if conn.dialect.name != "postgresql":
        return {}
    return {name: int(scans) for name, scans in conn.exec_driver_sql(_SCANS)}


def _indexes_used(conn, before: dict[str, int], claim: tuple[str, object]) -> str:  # type: ignore[no-untyped-def]
    """The ledger indexes the claims scanned: PostgreSQL's own counters (less the lease
    index, which the read-back uses, and the primary key), or SQLite's plan for a claim."""
    if conn.dialect.name == "postgresql":
        after = _index_scans(conn)
        grew = [name for name, scans in after.items() if scans > before.get(name, 0)]
        return ",".join(sorted(set(grew) - {"ix_deliveries_leased", "pk_deliveries"}))
    statement, parameters = claim
    plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    details = " | ".join(str(row[-1]) for row in plan)
    if "TEMP B-TREE" in details:  # the due rows were sorted, not read in order
        return details
    return ",".join(sorted(set(re.findall(r"ix_deliveries_\w+", details))))


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    ("sweep", "index"),
    [
        (
            lambda conn, now: outcomes.expire_stale(conn, now=now, reason="late"),
            "ix_deliveries_expiring",
        ),
        (
            lambda conn, now: claims.sweep_expired_leases(conn, now=now),
            "ix_deliveries_leased",
        ),
        (
            lambda conn, now: claims.claim(
                conn,
                owner="a",
                now=now,
                lease=LEASE,
                limit=1,
                campaign_ids=campaign_store.sendable_ids(conn, now=now),
            ),
            "ix_deliveries_campaign_queue,ix_deliveries_leased,pk_deliveries",
        ),
    ],
    ids=["expiry", "leases", "claim and read-back"],
)
def test_the_scheduler_sweeps_read_their_partial_index_once_prepared(
    ctx: Context, clock: FakeClock, sweep: Callable[[Connection, datetime], object], index: str
) -> None:
    """The scheduler runs both sweeps every second, and a claim reads its rows back by
    lease. With the status bound, the plan of the prepared statement (psycopg prepares
    on the sixth run) could not use the partial index and read the whole ledger
    instead: the expiry sweep took 39 ms a round at 300,000 rows, a quarter of the
    server's time during a send."""
    create_readers(ctx.db, 2000)
    alerts.fire_alert(ctx, ALERT, actor=None)
    while scheduler.run_round(ctx.db, now=clock(), briefing=None).fanouts_pending:
        pass
    _analyse(ctx)
    with ctx.db.transaction() as conn:
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        for _ in range(6):
            sweep(conn, clock())
        before = {**_index_scans(conn), "seq": _seq_scans(conn)}
        sweep(conn, clock())
        after = {**_index_scans(conn), "seq": _seq_scans(conn)}

    read = {name for name, scans in after.items() if scans > before.get(name, 0)}
    assert read == set(index.split(","))


def _seq_scans(conn) -> int:  # type: ignore[no-untyped-def]
    return int(
        conn.exec_driver_sql("SELECT pg_stat_get_xact_numscans('deliveries'::regclass)").scalar()
    )


def test_expired_lease_returns_rows_to_queue(ctx: Context, clock: FakeClock) -> None:
    for _ in range(2):
        confirmed_reader(ctx)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    taken = _claim(ctx, clock, fired.campaign_id, owner="dead-worker")

    clock.advance(minutes=4)
    with ctx.db.transaction() as conn:
        early_sweep = claims.sweep_expired_leases(conn, now=clock())
    while_leased = _claim(ctx, clock, fired.campaign_id, owner="b")
    clock.advance(minutes=2)
    with ctx.db.transaction() as conn:
        swept = claims.sweep_expired_leases(conn, now=clock())
    after_expiry = _claim(ctx, clock, fired.campaign_id, owner="b")

    assert (early_sweep, while_leased, swept) == (0, [], 2)
    assert {r.id for r in after_expiry} == {r.id for r in taken}


def test_rows_not_yet_due_are_not_claimed(ctx: Context, clock: FakeClock) -> None:
    confirmed_reader(ctx)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    (row,) = _claim(ctx, clock, fired.campaign_id)
    with ctx.db.transaction() as conn:
        outcomes.mark_retry(conn, [(row.id, "451 later", clock() + timedelta(minutes=1))])
    early = _claim(ctx, clock, fired.campaign_id)
    clock.advance(minutes=1)
    due = _claim(ctx, clock, fired.campaign_id)
    assert early == []
    assert [r.id for r in due] == [row.id]
    assert due[0].attempts == 1


def test_a_group_of_acceptances_records_each_row_with_its_own_reply(
    ctx: Context, clock: FakeClock
) -> None:
    for _ in range(4):
        confirmed_reader(ctx)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    claimed = _claim(ctx, clock, fired.campaign_id, limit=3)
    accepted = [(row.id, f"250 2.0.0 queued as Q{row.id}") for row in claimed]
    with ctx.db.transaction() as conn:
        outcomes.mark_sent(conn, accepted, now=clock())
        outcomes.mark_sent(conn, [], now=clock())
        rows = conn.execute(
            select(ledger.c.id, ledger.c.status, ledger.c.last_reply, ledger.c.attempts)
            .add_columns(ledger.c.sent_at, ledger.c.lease_owner)
            .where(ledger.c.campaign_id == fired.campaign_id)
            .order_by(ledger.c.id)
        ).all()
    done = {key: reply for key, reply in accepted}
    for row in rows:
        if row.id in done:
            assert (row.status, row.last_reply, row.attempts) == ("sent", done[row.id], 1)
            assert row.sent_at == clock() and row.lease_owner is None
        else:
            assert (row.status, row.last_reply, row.sent_at) == ("queued", None, None)
    assert len(rows) == 4


def test_counts_follow_outcomes(ctx: Context, clock: FakeClock) -> None:
    for _ in range(4):
        confirmed_reader(ctx)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    a, b, _ = _claim(ctx, clock, fired.campaign_id, limit=3)
    with ctx.db.transaction() as conn:
        outcomes.mark_sent(conn, [(a.id, "250 ok")], now=clock())
        outcomes.mark_final(conn, [(b.id, "550 no such user")], status=DeliveryStatus.FAILED)
        counts = campaign_counts(conn, fired.campaign_id)
    assert (counts.sent, counts.failed, counts.sending, counts.queued) == (1, 1, 1, 1)
    assert counts.total == 4
