"""Worker heartbeats in the store: one row per worker, the latest wins, the long gone pruned."""

from __future__ import annotations

from datetime import timedelta

from bulletin.services.context import Context
from bulletin.store import workers


def test_a_worker_beats_again_on_its_own_row_and_keeps_its_start(ctx: Context) -> None:
    start = ctx.clock()
    with ctx.db.transaction() as conn:
        workers.beat(conn, worker="w1:10", started_at=start, now=start)
        workers.beat(conn, worker="w1:10", started_at=start, now=start + timedelta(seconds=20))
    with ctx.db.reading() as conn:
        beat = workers.latest(conn)
    assert beat is not None
    assert (beat.worker, beat.started_at, beat.seen_at) == (
        "w1:10",
        start,
        start + timedelta(seconds=20),
    )


def test_the_latest_beat_of_any_worker_is_the_one_read(ctx: Context) -> None:
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        workers.beat(conn, worker="old:1", started_at=now, now=now - timedelta(minutes=5))
        workers.beat(conn, worker="new:2", started_at=now, now=now)
    with ctx.db.reading() as conn:
        beat = workers.latest(conn)
    assert beat is not None and beat.worker == "new:2"


def test_no_worker_ever_beat_reads_as_none(ctx: Context) -> None:
    with ctx.db.reading() as conn:
        assert workers.latest(conn) is None


def test_workers_gone_a_day_are_forgotten_at_the_next_beat(ctx: Context) -> None:
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        workers.beat(conn, worker="gone:1", started_at=now, now=now - timedelta(days=2))
        workers.beat(conn, worker="here:2", started_at=now, now=now)
        workers.beat(conn, worker="here:2", started_at=now, now=now + timedelta(seconds=10))
    with ctx.db.reading() as conn:
        rows = conn.exec_driver_sql("SELECT worker FROM worker_heartbeats").scalars().all()
    assert rows == ["here:2"]
