"""Engines and transactions for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError

# What a database that cannot be reached raises (down, restarting, connection cut): the
# worker waits and tries again with what it meant to write.
UNAVAILABLE = (OperationalError, InterfaceError)

# Execution option marking a connection whose transaction only reads (`Database.reading`).
READ_ONLY = "bulletin_read_only"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine configured for safe concurrent use of the given database."""
    if is_sqlite(url):
        return _sqlite_engine(url, **kwargs)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so we can BEGIN IMMEDIATE below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that reads and then writes fails at once with
        # SQLITE_BUSY if another writer got in between; taking the write lock up
        # front makes it wait its turn (busy_timeout) instead. A transaction that
        # only reads needs no lock in WAL mode: it is deferred, and query_only
        # (set on every begin, so it never outlives the transaction) refuses writes.
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("PRAGMA query_only=ON")
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("PRAGMA query_only=OFF")
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """The engine plus the one way the rest of Bulletin opens a transaction."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **kwargs)
        # SQLite has one writer at a time, and a connection that finds the write lock taken
        # sleeps in its busy handler (1 ms, 2 ms, ... up to 100 ms a try) rather than
        # waiting for it to be released: threads of one process that queue on that lock
        # spend most of their time asleep with the lock free (seen: 100 returns/s taken
        # in by a server using under a core). They queue here instead, and each is woken
        # the moment the one before commits. Other processes still meet SQLite's handler.
        self._writer = threading.RLock() if is_sqlite(url) else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction, committed on success, rolled back on error."""
        with self._writer or nullcontext(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A transaction that only reads: on SQLite it neither waits for nor holds up a
        writer (a long count on a cold cache must not stop the workers' claims)."""
        with self.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True, "postgresql_readonly": True})
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()
