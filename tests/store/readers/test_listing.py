"""The desk's list of readers in the store: keyset pages, bounded counts, prefix ranges."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from bulletin.services.context import Context
from bulletin.store.readers import listing
from tests.support.processes import create_readers


@pytest.fixture
def offsets(ctx: Context) -> Iterator[list[object]]:
    """The OFFSET of every statement the test runs (SQLite's dialect writes `OFFSET ?`, as
    its last parameter, wherever there is a LIMIT)."""
    seen: list[object] = []

    def record(*args: object) -> None:
        statement, parameters = str(args[2]), args[3]
        if "OFFSET" in statement.upper():
            assert isinstance(parameters, tuple | list)
            seen.append(parameters[-1])

    event.listen(ctx.db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(ctx.db.engine, "before_cursor_execute", record)


def test_pages_walk_every_reader_once_newest_first_without_offset(
    ctx: Context, offsets: list[object]
) -> None:
    ids = create_readers(ctx.db, 25)
    seen: list[int] = []
    before = None
    with ctx.db.transaction() as conn:
        while True:
            page = listing.page(conn, listing.Filters(), before=before, limit=10)
            seen += [r.id for r in page.readers]
            if not page.older:
                break
            before = page.readers[-1].id
    assert seen == sorted(ids, reverse=True)
    assert set(offsets) <= {0}  # each page found by its keyset, none by skipping rows


def test_a_page_newer_than_a_reader_comes_back_in_the_same_order(ctx: Context) -> None:
    ids = create_readers(ctx.db, 5)
    with ctx.db.transaction() as conn:
        page = listing.page(conn, listing.Filters(), after=ids[1], limit=2)
    assert [r.id for r in page.readers] == [ids[3], ids[2]]
    assert page.newer and page.older


def test_the_count_stops_past_its_cap(ctx: Context) -> None:
    create_readers(ctx.db, 12)
    with ctx.db.transaction() as conn:
        assert listing.count(conn, listing.Filters(), cap=5) == 6
        assert listing.count(conn, listing.Filters(), cap=50) == 12


def test_a_prefix_finds_exactly_the_keys_that_start_with_it(ctx: Context) -> None:
    create_readers(ctx.db, 21)  # r1@ … r21@ (ids from 1 on a fresh database)
    with ctx.db.transaction() as conn:

        def found(prefix: str) -> set[str]:
            page = listing.page(conn, listing.Filters(prefix=prefix), limit=100)
            return {r.email.split("@")[0] for r in page.readers}

        assert found("r1") == {"r1", *(f"r1{n}" for n in range(10))}
        assert found("r2") == {"r2", "r20", "r21"}
        assert found("r21@readers.example.org") == {"r21"}
        assert found("r1\U0010ffff") == set()  # the last code point has no successor
        assert found("r\ud7ff") == set()  # nor may its successor be a surrogate
