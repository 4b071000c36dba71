"""Writing an edition's ledger: ranges at once, two writers at once, a failure part-way."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from bulletin.domain.editions import EditionStatus
from bulletin.services.briefing import editions as briefing
from bulletin.services.context import Context
from bulletin.store import lists as list_store
from bulletin.store.briefing import editions, steps
from bulletin.store.ledger import briefing as briefing_ledger
from bulletin.store.tables import deliveries
from tests.support.briefing import add_story, briefing_reader
from tests.support.factories import FakeClock

TUESDAY = date(2026, 11, 24)
MONDAY_EVENING = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
ZONES = ["Europe/Berlin", "Asia/Tokyo", "America/New_York", None]


def _approved_edition_for_readers(ctx: Context, clock: FakeClock, count: int) -> list[int]:
    clock.now = MONDAY_EVENING
    add_story(ctx)
    readers = [briefing_reader(ctx, zone=ZONES[i % len(ZONES)]) for i in range(count)]
    briefing.approve(ctx, TUESDAY, actor=None, write_now=False)
    return readers


def _ledger(ctx: Context) -> list[int]:
    with ctx.db.transaction() as conn:
        return list(conn.execute(select(deliveries.c.subscriber_id)).scalars())


def _write(ctx: Context) -> int:
    return steps.write_ledger(ctx.db, TUESDAY, rules=ctx.settings.briefing_rules, now=ctx.clock())


def test_ranges_cover_the_readers_on_multiples_of_their_width(
    ctx: Context, clock: FakeClock
) -> None:
    readers = _approved_edition_for_readers(ctx, clock, 5)
    with ctx.db.transaction() as conn:
        (the_list,) = list_store.by_slugs(conn, [steps.BRIEFING])
        spans = briefing_ledger.ranges(conn, the_list.id, width=2)
    assert spans[0][0] <= min(readers) - 1 and spans[-1][1] >= max(readers)
    assert all(after % 2 == 0 and upto == after + 2 for after, upto in spans)
    assert [after for after, _ in spans[1:]] == [upto for _, upto in spans[:-1]]


def test_an_edition_written_in_many_ranges_queues_every_reader_once(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    readers = _approved_edition_for_readers(ctx, clock, 9)
    monkeypatch.setattr(briefing_ledger, "RANGE", 2)

    assert _write(ctx) == len(readers)

    assert sorted(_ledger(ctx)) == sorted(readers)
    with ctx.db.transaction() as conn:
        edition = editions.by_date(conn, TUESDAY)
    assert edition is not None and edition.status is EditionStatus.SENDING


def test_two_writers_of_one_edition_at_once_queue_every_reader_once(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    readers = _approved_edition_for_readers(ctx, clock, 12)
    monkeypatch.setattr(briefing_ledger, "RANGE", 2)
    added: list[int] = []
    start = threading.Barrier(2)

    def writer() -> None:
        start.wait()
        added.append(_write(ctx))

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(added) == len(readers)
    assert sorted(_ledger(ctx)) == sorted(readers)


def test_a_write_that_fails_part_way_leaves_the_edition_approved_and_the_rerun_adds_the_rest(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    readers = _approved_edition_for_readers(ctx, clock, 10)
    monkeypatch.setattr(briefing_ledger, "RANGE", 2)
    real = briefing_ledger.write_range
    calls = 0

    def failing_third(conn: Connection, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the database went away")
        return real(conn, **kwargs)

    monkeypatch.setattr(briefing_ledger, "write_range", failing_third)
    with pytest.raises(RuntimeError, match="went away"):
        _write(ctx)
    with ctx.db.transaction() as conn:
        edition = editions.by_date(conn, TUESDAY)
        written = conn.execute(select(func.count()).select_from(deliveries)).scalar_one()
    assert edition is not None and edition.status is EditionStatus.APPROVED
    assert written < len(readers)

    monkeypatch.setattr(briefing_ledger, "write_range", real)
    assert _write(ctx) == len(readers) - written
    assert sorted(_ledger(ctx)) == sorted(readers)
