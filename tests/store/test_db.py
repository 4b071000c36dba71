"""Transactions: writing ones take their turn; reading ones never wait for a writer."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store.tables import audit_log
from tests.support.factories import FakeClock


def _entries(conn) -> int:  # type: ignore[no-untyped-def]
    return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def _write(conn, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    audit.record(conn, actor="test", action="test.write", now=clock())


def test_a_reading_transaction_refuses_to_write(ctx: Context, clock: FakeClock) -> None:
    with pytest.raises(DBAPIError), ctx.db.reading() as conn:
        _write(conn, clock)

    with ctx.db.reading() as conn:
        assert _entries(conn) == 0


def test_a_writing_transaction_after_a_reading_one_still_writes(
    ctx: Context, clock: FakeClock
) -> None:
    # Both go through the same pooled connection: the read-only mark must not stick to it.
    for _ in range(3):
        with ctx.db.reading() as conn:
            _entries(conn)
        with ctx.db.transaction() as conn:
            _write(conn, clock)

    with ctx.db.reading() as conn:
        assert _entries(conn) == 3


def test_reading_goes_on_while_a_writer_holds_its_transaction_open(
    ctx: Context, clock: FakeClock
) -> None:
    # On SQLite a writing transaction holds the database's one write lock from BEGIN
    # IMMEDIATE on; a reader that asked for it would wait here until busy_timeout.
    with ctx.db.transaction() as writer:
        _write(writer, clock)
        with ctx.db.reading() as reader:
            assert _entries(reader) == 0  # the writer has not committed yet

    with ctx.db.reading() as reader:
        assert _entries(reader) == 1


def test_a_writer_commits_while_a_reading_transaction_is_open(
    ctx: Context, clock: FakeClock
) -> None:
    with ctx.db.reading() as reader:
        assert _entries(reader) == 0
        with ctx.db.transaction() as writer:
            _write(writer, clock)

    with ctx.db.reading() as reader:
        assert _entries(reader) == 1
