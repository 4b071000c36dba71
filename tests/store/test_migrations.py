"""The schema: migrations build it from nothing on both engines, and match the models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bulletin.store import migrate
from bulletin.store.db import Database
from bulletin.store.tables import metadata


def _fresh(database_url: str) -> Database:
    """The test database emptied of every table, migrations included."""
    db = Database(database_url)
    migrate.downgrade(db, "base")
    return db


def test_upgrade_from_empty_to_head_creates_every_table(database_url: str) -> None:
    db = _fresh(database_url)
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(db)
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= tables
    assert migrate.is_current(db)
    db.dispose()


def test_first_migration_seeds_the_three_lists(database_url: str) -> None:
    db = Database(database_url)
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT slug, name, description, kind FROM lists").all()
    db.dispose()
    assert {r.slug for r in rows} == {"breaking", "special-reports", "morning-briefing"}
    assert all(r.name and r.description for r in rows)


def test_models_match_migrations(database_url: str) -> None:
    db = Database(database_url)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    db.dispose()
    assert diff == []


def test_downgrade_then_upgrade_round_trips(database_url: str) -> None:
    db = _fresh(database_url)
    migrate.upgrade(db)
    migrate.downgrade(db, "base")
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision()
    db.dispose()


def test_head_constant_is_the_head_alembic_finds() -> None:
    assert migrate.head_revision() == migrate.HEAD


def test_a_database_behind_the_head_is_not_current(database_url: str) -> None:
    db = _fresh(database_url)
    try:
        migrate.upgrade(db, "0007")
        assert migrate.current_revision(db) == "0007"
        assert not migrate.is_current(db)
    finally:
        migrate.upgrade(db)
        db.dispose()


def test_an_empty_database_has_no_revision(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    assert migrate.current_revision(db) is None
    assert not migrate.is_current(db)
    db.dispose()


def test_checking_the_schema_does_not_load_alembic(database_url: str) -> None:
    """A worker checks the schema at start; Alembic (about 10 MB) stays out of it."""
    check = (
        "import sys\n"
        "from bulletin import cli, server\n"
        "from bulletin.store import migrate\n"
        "from bulletin.store.db import Database\n"
        "assert migrate.is_current(Database(sys.argv[1]))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", check, database_url], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
