"""Running Alembic migrations from inside Bulletin (no alembic.ini needed).

Alembic is imported only to migrate: a worker checks the schema with one query and
never loads it (about 10 MB of a process whose memory budget is 100 MB).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from bulletin.store.db import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

# The newest migration's revision; tests/store/test_migrations.py checks it against
# Alembic's own head, so a new migration that forgets to move it fails the suite.
HEAD = "0025"


def alembic_config(db: Database, *, suppression_key: str = "") -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    # Migrations that hash readers' addresses (0010) need the suppression key.
    config.attributes["suppression_key"] = suppression_key
    return config


def upgrade(db: Database, revision: str = "head", *, suppression_key: str = "") -> None:
    from alembic import command

    config = alembic_config(db, suppression_key=suppression_key)
    with _migrating(db) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(db: Database, revision: str) -> None:
    from alembic import command

    config = alembic_config(db)
    with _migrating(db) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


@contextmanager
def _migrating(db: Database) -> Iterator[Connection]:
    """A transaction to migrate in; on SQLite with foreign keys off until it is over.

    SQLite changes a table's constraints by copying it into a new one and dropping the
    old (Alembic's batch mode); with foreign keys on, dropping a table of readers would
    first delete, by cascade, everything that refers to them. So, as SQLite's manual
    says to, they are off for the migration and checked before it commits.
    """
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection if db.dialect == "sqlite" else None
        if raw is not None:
            # On the driver's connection: the pragma is a no-op inside a transaction.
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                yield conn
                if raw is not None:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"The migration broke foreign keys: {broken[:5]}")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def head_revision() -> str | None:
    """The head as Alembic finds it in the migration scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current_revision(db: Database) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def is_current(db: Database) -> bool:
    return current_revision(db) == HEAD
