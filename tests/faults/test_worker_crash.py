"""A worker killed or stopped mid-send: every reader gets the alert, duplicates are bounded.

Counted at the sink by Message-ID (one per campaign and reader).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bulletin.delivery.engine import SCHEDULER_EVERY_S
from bulletin.delivery.leases import LEASE
from bulletin.store.db import Database
from bulletin.store.tables import deliveries
from tests.faults.conftest import finished, fire
from tests.support.processes import (
    Sink,
    Tally,
    create_readers,
    ledger,
    sent_subscribers,
    wait_until,
    worker_env,
    workers,
)

READERS = 20_000
WORKER_BATCH = 500  # the default: a flush group is at most what was accepted in 50 ms


RECOVERY = timedelta(seconds=20)  # the goal: a dead worker's last reader served by then


def _stranded(db: Database) -> tuple[int, datetime | None]:
    """How many rows the dead worker left leased, and when the last of its leases ends."""
    with db.transaction() as conn:
        count, last = conn.execute(
            select(func.count(), func.max(deliveries.c.lease_until)).where(
                deliveries.c.status == "sending"
            )
        ).one()
    return count, last


def test_worker_killed_mid_send_loses_nothing_and_duplicates_at_most_a_flush_group(
    sqlite_url: str, sink: Sink, tmp_path: Path
) -> None:
    db = Database(sqlite_url)
    readers = create_readers(db, READERS)
    campaign_id = fire(sqlite_url, tmp_path)
    env = worker_env(sqlite_url, sink.url, tmp_path / "data")

    with workers(1, env, tmp_path) as (first,):
        wait_until(lambda: sink.count() >= READERS // 3, timeout=60, what="a third sent")
        first.kill()
    killed_at = datetime.now(UTC)
    at_kill = sink.count()
    stranded, last_lease = _stranded(db)
    # The recovery's bound on its own terms, not a stopwatch: every lease the dead worker
    # wrote ends within LEASE of its death (it renewed them while alive), the next sweep
    # follows within SCHEDULER_EVERY_S, and what is left of RECOVERY sends the stranded rows.
    assert last_lease is None or last_lease <= killed_at + LEASE
    assert LEASE + timedelta(seconds=SCHEDULER_EVERY_S) <= RECOVERY - timedelta(seconds=3)
    with workers(1, env, tmp_path):  # nothing faked: the leases run out by themselves
        wait_until(finished(db, campaign_id), timeout=90, what="the campaign to finish")

    tally = Tally.of(sink, campaign_id, readers)
    print(
        f"\nSIGKILL at {at_kill} of {READERS}: {stranded} leased rows stranded (leases end"
        f" {(last_lease - killed_at).total_seconds() if last_lease else 0:.1f} s after), {tally}"
    )
    assert 0 < at_kill < READERS
    assert tally.lost == 0
    assert tally.duplicated <= WORKER_BATCH
    assert ledger(db, campaign_id) == {"sent": READERS}
    assert sent_subscribers(db, campaign_id) == set(readers)
    db.dispose()


def test_worker_stopped_mid_send_and_restarted_resends_nothing_and_skips_nothing(
    sqlite_url: str, sink: Sink, tmp_path: Path
) -> None:
    db = Database(sqlite_url)
    readers = create_readers(db, 8_000)
    campaign_id = fire(sqlite_url, tmp_path)
    env = worker_env(sqlite_url, sink.url, tmp_path / "data")

    with workers(1, env, tmp_path) as (first,):
        wait_until(lambda: sink.count() >= 2_000, timeout=60, what="2,000 sent")
        assert first.stop(timeout=30) == 0
    at_stop = sink.count()
    at_stop_ledger = ledger(db, campaign_id)
    with workers(1, env, tmp_path):
        wait_until(finished(db, campaign_id), timeout=90, what="the campaign to finish")

    tally = Tally.of(sink, campaign_id, readers)
    print(f"\nSIGTERM at {at_stop} of {len(readers)}: {tally}")
    assert 0 < at_stop < len(readers)
    assert at_stop_ledger.get("sending", 0) == 0  # it gave back all it had not sent
    assert at_stop_ledger["sent"] == at_stop  # and recorded all it had
    assert (tally.lost, tally.duplicated) == (0, 0)
    assert ledger(db, campaign_id) == {"sent": len(readers)}
    db.dispose()
