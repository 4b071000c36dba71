"""Clicks are held in memory, judged once a burst could be seen, and written in batches
to a real SQLite file; a clean stop writes everything held, and a batch the database
could not take is written with the next one."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from prometheus_client import REGISTRY
from sqlalchemy import select

from bulletin.domain.clicks import Click, ScannerRules
from bulletin.services.clicks.recorder import ClickRecorder
from bulletin.store import migrate
from bulletin.store.db import Database
from bulletin.store.tables import link_clickers, link_clicks
from tests.support.factories import SECRET, FakeClock

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15"
RULES = ScannerRules(window_s=60, burst_links=3, burst_s=2.0)


def _database(tmp_path: Path, name: str = "clicks.db", *, migrated: bool = True) -> Database:
    db = Database(f"sqlite:///{tmp_path / name}")
    if migrated:
        migrate.upgrade(db)
    return db


def _recorder(
    db: Database, clock: FakeClock, *, per_reader: bool = False, started: datetime | None = None
) -> ClickRecorder:
    return ClickRecorder(
        db,
        secret_key=SECRET,
        rules=RULES,
        started=lambda _campaign: started,
        per_reader=per_reader,
        clock=clock,
    )


def _click(clock: FakeClock, position: int = 0, reader: int = 7, agent: str = BROWSER) -> Click:
    return Click(1, position, reader, clock(), user_agent=agent)


def _counts(db: Database) -> dict[int, tuple[int, int]]:
    with db.transaction() as conn:
        rows = conn.execute(
            select(link_clicks.c.position, link_clicks.c.clicks, link_clicks.c.ignored)
        )
        return {int(p): (int(c), int(i)) for p, c, i in rows}


def _clickers(db: Database) -> list[tuple[int, str, int | None]]:
    with db.transaction() as conn:
        rows = conn.execute(
            select(link_clickers.c.position, link_clickers.c.clicker, link_clickers.c.subscriber_id)
        )
        return sorted((int(p), str(c), s) for p, c, s in rows)


def test_a_click_waits_until_a_burst_could_have_been_seen(tmp_path: Path) -> None:
    clock = FakeClock()
    recorder = _recorder(_database(tmp_path), clock)
    recorder.accept(_click(clock))

    assert not recorder.take()  # too young to judge
    clock.advance(seconds=2)
    batch = recorder.take()

    assert batch.totals == {(1, 0): (1, 0)}


def test_batches_add_up_in_the_database(tmp_path: Path) -> None:
    db = _database(tmp_path)
    clock = FakeClock()
    recorder = _recorder(db, clock)
    for reader in (1, 2, 3):
        recorder.accept(_click(clock, reader=reader))
        clock.advance(seconds=30)
        asyncio.run(recorder.flush())
    recorder.accept(_click(clock, reader=1))  # a reader clicking again: not a new unique
    clock.advance(seconds=30)
    asyncio.run(recorder.flush())

    assert _counts(db) == {0: (4, 0)}
    assert len(_clickers(db)) == 3
    assert recorder.written == 4


def test_a_burst_of_one_messages_links_is_set_aside(tmp_path: Path) -> None:
    db = _database(tmp_path)
    clock = FakeClock()
    recorder = _recorder(db, clock)
    for position in range(4):
        recorder.accept(_click(clock, position=position))
        clock.advance(seconds=0.3)
    recorder.accept(_click(clock, position=0, reader=8))  # another reader, meanwhile
    clock.advance(seconds=5)
    asyncio.run(recorder.flush())

    assert _counts(db) == {0: (1, 1), 1: (0, 1), 2: (0, 1), 3: (0, 1)}
    assert len(_clickers(db)) == 1


def test_a_burst_straddling_two_flushes_is_still_seen(tmp_path: Path) -> None:
    db = _database(tmp_path)
    clock = FakeClock()
    recorder = _recorder(db, clock)
    recorder.accept(_click(clock, position=0))
    clock.advance(seconds=1.0)
    recorder.accept(_click(clock, position=1))
    clock.advance(seconds=0.9)
    recorder.accept(_click(clock, position=2))
    clock.advance(seconds=0.1)  # the first is ready to judge, the others not yet
    asyncio.run(recorder.flush())
    assert _counts(db) == {0: (0, 1)}
    clock.advance(seconds=5)
    asyncio.run(recorder.flush())

    assert _counts(db) == {0: (0, 1), 1: (0, 1), 2: (0, 1)}


def test_an_early_scanner_is_set_aside(tmp_path: Path) -> None:
    db = _database(tmp_path)
    clock = FakeClock()
    recorder = _recorder(db, clock, started=clock())
    clock.advance(seconds=3)
    recorder.accept(_click(clock, agent="Mozilla/5.0 (compatible; Mimecast URL Protect)"))
    recorder.accept(_click(clock, reader=8))
    asyncio.run(recorder.close())

    assert _counts(db) == {0: (1, 1)}


def test_a_clean_stop_writes_every_click_held(tmp_path: Path) -> None:
    db = _database(tmp_path)
    clock = FakeClock()
    recorder = _recorder(db, clock)

    async def serve_then_stop() -> None:
        stop = asyncio.Event()
        flushing = asyncio.create_task(recorder.run(stop))
        for reader in range(50):
            recorder.accept(_click(clock, reader=reader))  # all younger than a burst
        stop.set()
        await flushing

    asyncio.run(serve_then_stop())

    assert _counts(db) == {0: (50, 0)}
    assert recorder.accepted == recorder.written == 50


def test_a_batch_the_database_refused_is_written_with_the_next(tmp_path: Path) -> None:
    db = _database(tmp_path, migrated=False)  # no tables yet: every write fails
    clock = FakeClock()
    recorder = _recorder(db, clock)
    recorder.accept(_click(clock, reader=1))
    asyncio.run(recorder.close())
    assert recorder.written == 0

    migrate.upgrade(db)
    recorder.accept(_click(clock, reader=2))
    asyncio.run(recorder.close())

    assert _counts(db) == {0: (2, 0)}


def test_uniques_are_keyed_hashes_unless_per_reader(tmp_path: Path) -> None:
    clock = FakeClock()
    aggregate = _database(tmp_path, "aggregate.db")
    per_reader = _database(tmp_path, "per-reader.db")
    for db, keep in ((aggregate, False), (per_reader, True)):
        recorder = _recorder(db, clock, per_reader=keep)
        recorder.accept(_click(clock, reader=41))
        asyncio.run(recorder.close())

    [(_, hashed, nobody)] = _clickers(aggregate)
    [(_, same, reader)] = _clickers(per_reader)
    assert nobody is None and reader == 41
    assert hashed == same and "41" not in hashed and len(hashed) == 16


def test_each_verdict_is_counted_for_prometheus(tmp_path: Path) -> None:
    def sample(verdict: str) -> float:
        return REGISTRY.get_sample_value("bulletin_clicks_total", {"verdict": verdict}) or 0.0

    clock = FakeClock()
    recorder = _recorder(_database(tmp_path), clock)
    counted, head = sample("counted"), sample("head")
    recorder.accept(_click(clock, reader=1))
    recorder.accept(Click(1, 0, 2, clock(), user_agent=BROWSER, head=True))
    asyncio.run(recorder.close())

    assert (sample("counted"), sample("head")) == (counted + 1, head + 1)
