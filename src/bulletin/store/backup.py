"""Copies of a SQLite database made and put back with SQLite's online backup API.

The backup API copies page by page under SQLite's own locking, so a copy taken while
workers write is consistent (a plain `cp` can miss what is still in the `-wal` file).
PostgreSQL has its own tools (`pg_dump`, `pg_restore`); nothing here is for it.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import func, select

from bulletin.store.db import Database
from bulletin.store.tables import campaigns, deliveries, subscribers

PAGES_PER_STEP = 1024  # lets writers in between steps of a large copy


def copy_out(db: Database, target: Path) -> None:
    """Copy the live database `db` into a new SQLite file at `target`."""
    raw = db.engine.raw_connection()
    try:
        with closing(sqlite3.connect(target)) as copy:
            _source(raw).backup(copy, pages=PAGES_PER_STEP)
    finally:
        raw.close()


def copy_in(db: Database, source: Path) -> None:
    """Replace everything in `db` by the SQLite file at `source` (opened read-only)."""
    db.dispose()  # no pooled connection may keep reading the old pages
    raw = db.engine.raw_connection()
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup:
            backup.backup(_source(raw), pages=PAGES_PER_STEP)
    finally:
        raw.close()
        db.dispose()


def integrity(path: Path) -> str:
    """SQLite's own check of a file: "ok", or what is wrong (or why it is no database)."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        return str(exc)


def counts(db: Database) -> dict[str, int]:
    """What a copy holds, in the rows an operator recognises."""
    with db.reading() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in (
                ("readers", subscribers),
                ("campaigns", campaigns),
                ("ledger rows", deliveries),
            )
        }


def _source(raw: object) -> sqlite3.Connection:
    driver = getattr(raw, "driver_connection", None)
    if not isinstance(driver, sqlite3.Connection):
        raise TypeError("the SQLite backup API needs a SQLite database")
    return driver
