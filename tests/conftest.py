"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a context, an SMTP sink,
an IMAP server.

Every database test runs twice, once per engine. SQLite tests get their own file,
copied from one migrated at the start of the run. PostgreSQL tests share one
database created for this run (so parallel runs never collide) and empty its tables
before each test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import argon2
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bulletin.services.context import Context
from bulletin.services.staff import passwords
from bulletin.store import migrate
from bulletin.store.db import Database
from bulletin.store.tables import metadata
from tests.support.dovecot import DOVECOT, Dovecot
from tests.support.factories import FakeClock, make_settings
from tests.support.http_feeds import FeedServer
from tests.support.postgres_turns import turn
from tests.support.smtp_sink import SmtpSink

PG_ENV = "BULLETIN_TEST_POSTGRES_URL"
KEEP_TABLES = {"lists", "alembic_version"}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    db.dispose()  # the last connection closing folds the WAL into the file we copy
    return path


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> None:
    """argon2 at its cheapest in this process: every desk test signs someone in, and the
    default costs a quarter of a second a sign-in. Servers the tests start as their own
    processes (`bulletin serve`) hash at the default."""
    passwords.use_parameters(argon2.profiles.CHEAPEST)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set; .ci/run sets it to the local PostgreSQL")
    return url


@pytest.fixture(autouse=True)
def postgres_turn(request: pytest.FixtureRequest) -> Iterator[None]:
    """A PostgreSQL test holds the server (see tests/support/postgres_turns.py)."""
    node = request.node
    url = os.environ.get(PG_ENV)
    uses_server = node.get_closest_marker("postgres") or "postgres_server_url" in node.fixturenames
    if not url or not uses_server:
        yield
        return
    with turn(url, exclusive=node.get_closest_marker("restarts_postgres") is not None):
        yield


@pytest.fixture(scope="session")
def postgres_empty_database(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server, dropped at the end of the run."""
    server = make_url(postgres_server_url)
    name = f"bulletin_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_migrated(postgres_empty_database: str) -> str:
    db = Database(postgres_empty_database)
    migrate.upgrade(db)
    db.dispose()
    return postgres_empty_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database with the three lists and nothing else, on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "bulletin.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_migrated")
    _empty_postgres(url)
    return url


def _empty_postgres(url: str) -> None:
    """Every table but the kept ones emptied, and their ids starting again at 1.

    The ledger is truncated, as fresh as a new database's: the planner tests
    (tests/store/ledger/test_ledger_rows.py) depend on its statistics, which an earlier
    test's dead rows would change. The rest by DELETE, children first: a test leaves a
    few rows there, and TRUNCATE makes new files for every table (0.14 s a test).
    """
    names = [t.name for t in reversed(metadata.sorted_tables) if t.name not in KEEP_TABLES]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE deliveries CASCADE"))
        conn.execute(text(";".join(f"DELETE FROM {name}" for name in names)))
        conn.execute(_RESTART_SEQUENCES, {"tables": names})
    engine.dispose()


# The sequences of those tables' serial and identity columns (not the kept lists' own).
_RESTART_SEQUENCES = text(
    "SELECT setval(s.oid, 1, false) FROM pg_class s"
    " JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid"
    " AND d.deptype IN ('a', 'i')"
    " JOIN pg_class t ON t.oid = d.refobjid"
    " WHERE s.relkind = 'S' AND t.relname = ANY(:tables)"
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def ctx(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Context]:
    settings = make_settings(tmp_path, database_url)
    context = Context(settings=settings, db=Database(database_url), clock=clock)
    yield context
    context.db.dispose()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 serving whatever the test puts in its routes."""
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    """Debian's Dovecot on loopback for the run (each test adds a user of its own)."""
    if not DOVECOT.exists():
        pytest.fail(
            f"{DOVECOT} is missing: the mailbox tests need Debian's Dovecot. Install it with "
            "`apt-get install -y dovecot-imapd` (`make test` and .ci/run do this as root).",
            pytrace=False,
        )
    server = Dovecot().start()
    yield server
    server.stop()
