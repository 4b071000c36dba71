"""The schema: migrations build it from nothing on both engines, and match the models."""

from __future__ import annotations

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
