"""A relay that is down at first, or that hangs up mid-message: nothing lost, nothing miscounted."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bulletin.store.db import Database
from bulletin.store.tables import deliveries
from tests.faults.conftest import finished, fire
from tests.support.processes import (
    Sink,
    Tally,
    attempts,
    create_readers,
    ledger,
    sent_subscribers,
    wait_until,
    worker_env,
    workers,
)


def test_relay_refusing_connections_at_first_gets_everything_once_it_is_up(
    sqlite_url: str, tmp_path: Path
) -> None:
    db = Database(sqlite_url)
    readers = create_readers(db, 2_000)
    campaign_id = fire(sqlite_url, tmp_path)
    sink = Sink(tmp_path)  # its port is chosen, nothing listens on it yet
    env = worker_env(sqlite_url, sink.url, tmp_path / "data", BULLETIN_RETRY_BASE_SECONDS="1")

    with workers(1, env, tmp_path):
        wait_until(
            lambda: "unavailable" in str(ledger_replies(db)),
            timeout=30,
            what="the worker to find the relay down",
        )
        sink.start()
        try:
            wait_until(finished(db, campaign_id), timeout=90, what="the campaign to finish")
        finally:
            sink.stop()

    tally = Tally.of(sink, campaign_id, readers)
    print(f"\nrelay down at start: {tally}")
    assert (tally.lost, tally.duplicated) == (0, 0)
    assert ledger(db, campaign_id) == {"sent": len(readers)}
    db.dispose()


def test_relay_dropping_the_connection_mid_message_loses_nothing_and_counts_right(
    sqlite_url: str, tmp_path: Path
) -> None:
    db = Database(sqlite_url)
    readers = create_readers(db, 2_000)
    campaign_id = fire(sqlite_url, tmp_path)
    sink = Sink(tmp_path, drop_every=199).start()  # ~0.5 % of readers: first try hung up on
    env = worker_env(sqlite_url, sink.url, tmp_path / "data", BULLETIN_RETRY_BASE_SECONDS="1")
    try:
        with workers(1, env, tmp_path):
            wait_until(finished(db, campaign_id), timeout=120, what="the campaign to finish")
    finally:
        sink.stop()

    tally = Tally.of(sink, campaign_id, readers)
    dropped = sum(1 for reader in readers if reader % 199 == 0)
    print(f"\nrelay hanging up on {dropped} messages: {tally}")
    assert dropped > 0
    assert (tally.lost, tally.duplicated) == (0, 0)
    assert ledger(db, campaign_id) == {"sent": len(readers)}
    assert sent_subscribers(db, campaign_id) == set(readers)
    # Only the messages hung up on were tried twice: the readers queued behind them
    # were given back untried, not charged an attempt each time the relay rested.
    tries = attempts(db, campaign_id)
    assert {r for r, n in tries.items() if n == 2} == {r for r in readers if r % 199 == 0}
    assert max(tries.values()) == 2
    db.dispose()


def ledger_replies(db: Database) -> list[str]:
    with db.transaction() as conn:
        return [
            reply
            for reply in conn.execute(select(deliveries.c.last_reply).distinct()).scalars()
            if reply
        ]


def test_greylisted_readers_are_retried_and_refused_ones_fail_with_the_reply(
    sqlite_url: str, tmp_path: Path
) -> None:
    db = Database(sqlite_url)
    readers = create_readers(db, 1_000)
    campaign_id = fire(sqlite_url, tmp_path)
    sink = Sink(tmp_path, greylist_every=10, refuse_every=7).start()
    env = worker_env(sqlite_url, sink.url, tmp_path / "data", BULLETIN_RETRY_BASE_SECONDS="1")
    try:
        with workers(1, env, tmp_path):
            wait_until(finished(db, campaign_id), timeout=90, what="the campaign to finish")
    finally:
        sink.stop()

    refused = {r for r in readers if r % 7 == 0}
    greylisted = {r for r in readers if r % 10 == 0} - refused
    tally = Tally.of(sink, campaign_id, [r for r in readers if r not in refused])
    print(f"\n{len(greylisted)} greylisted, {len(refused)} refused: {tally}")
    assert (tally.lost, tally.duplicated) == (0, 0)
    assert tally.received == len(readers) - len(refused)
    assert ledger(db, campaign_id) == {"sent": len(readers) - len(refused), "failed": len(refused)}
    assert sent_subscribers(db, campaign_id) == set(readers) - refused
    tries = attempts(db, campaign_id)
    assert {r for r, n in tries.items() if n == 2} == greylisted
    assert {reply for reply in ledger_replies(db) if reply.startswith("550")} == {
        "550 5.1.1 No such user here"
    }
