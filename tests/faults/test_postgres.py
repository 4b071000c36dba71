"""Workers on PostgreSQL: several on one campaign, and the database restarted mid-send."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from bulletin.store.db import Database
from tests.faults.conftest import finished, fire
from tests.support.processes import (
    Sink,
    Tally,
    create_readers,
    ledger,
    sent_subscribers,
    wait_until,
    worker_env,
)
from tests.support.processes import (
    workers as start_workers,
)

pytestmark = pytest.mark.postgres


def test_three_workers_on_one_campaign_send_each_reader_exactly_one_message(
    postgres_url: str, sink: Sink, tmp_path: Path
) -> None:
    db = Database(postgres_url)
    readers = create_readers(db, 15_000)
    campaign_id = fire(postgres_url, tmp_path)
    env = worker_env(postgres_url, sink.url, tmp_path / "data")

    with start_workers(3, env, tmp_path) as workers:
        wait_until(finished(db, campaign_id), timeout=120, what="the campaign to finish")
        assert all(worker.alive for worker in workers)

    tally = Tally.of(sink, campaign_id, readers)
    print(f"\nthree workers: {tally}")
    assert (tally.lost, tally.duplicated) == (0, 0)
    assert ledger(db, campaign_id) == {"sent": len(readers)}
    assert sent_subscribers(db, campaign_id) == set(readers)
    db.dispose()


def _pg_cluster() -> tuple[str, str] | None:
    """(version, cluster) of the local Debian PostgreSQL, if we may restart it."""
    if shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        return None
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    return (versions[-1], "main") if versions else None


def _restart_postgres(cluster: tuple[str, str]) -> None:
    version, name = cluster
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],
        check=True,
        timeout=120,
        capture_output=True,
    )


def _accepting(db: Database) -> bool:
    try:
        with db.transaction() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@pytest.mark.restarts_postgres
def test_postgres_restarted_mid_send_workers_reconnect_and_finish_with_exact_counts(
    postgres_url: str, sink: Sink, tmp_path: Path
) -> None:
    cluster = _pg_cluster()
    if cluster is None:
        pytest.skip("needs the local Debian PostgreSQL (pg_ctlcluster) and root to restart it")
    db = Database(postgres_url)
    readers = create_readers(db, 15_000)
    campaign_id = fire(postgres_url, tmp_path)
    env = worker_env(postgres_url, sink.url, tmp_path / "data")

    with start_workers(2, env, tmp_path) as workers:
        wait_until(lambda: sink.count() >= 2_000, timeout=60, what="2,000 sent")
        _restart_postgres(cluster)
        at_restart = sink.count()
        wait_until(lambda: _accepting(db), timeout=60, what="PostgreSQL to accept again")
        wait_until(finished(db, campaign_id), timeout=120, what="the campaign to finish")
        assert all(worker.alive for worker in workers), "a worker died with the database"

    tally = Tally.of(sink, campaign_id, readers)
    print(f"\nPostgreSQL restarted at {at_restart} of {len(readers)}: {tally}")
    assert at_restart < len(readers)
    assert tally.lost == 0
    assert tally.duplicated == 0
    assert ledger(db, campaign_id) == {"sent": len(readers)}
    db.dispose()
