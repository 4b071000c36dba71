"""Backing up and restoring the embedded SQLite database: a round trip gives everything back."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bulletin.domain.errors import ConfigurationError, InvalidInput
from bulletin.domain.models import AlertDraft
from bulletin.services import backup
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.db import Database
from bulletin.store.tables import campaigns, deliveries, subscribers
from tests.support.factories import confirmed_reader, find_reader, unique_email

ALERT = AlertDraft(
    headline="Bridge closed",
    summary="The river crossing shuts at noon.",
    url="https://news.example.com/bridge",
)


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """Only SQLite here: PostgreSQL backs up with pg_dump (its refusal is tested below)."""
    path = tmp_path / "bulletin.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _rows(ctx: Context) -> tuple[list[tuple[object, ...]], ...]:
    with ctx.db.reading() as conn:
        return tuple(
            [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key))]
            for table in (subscribers, campaigns, deliveries)
        )


def test_a_restored_backup_gives_back_readers_campaigns_and_ledger_rows(
    ctx: Context, tmp_path: Path
) -> None:
    emails = [unique_email() for _ in range(3)]
    for email in emails:
        confirmed_reader(ctx, email=email)
    alerts.fire_alert(ctx, ALERT, actor=None)
    before = _rows(ctx)
    assert all(before) and len(before[2]) == 3

    copy = backup.back_up(ctx, tmp_path / "copy.db")
    assert copy.holds == {"readers": 3, "campaigns": 1, "ledger rows": 3}
    assert not copy.needs_upgrade

    confirmed_reader(ctx, email=unique_email())  # life goes on after the backup …
    with ctx.db.transaction() as conn:
        conn.execute(deliveries.delete())
    restored = backup.restore(ctx, tmp_path / "copy.db")

    assert restored.holds == copy.holds
    assert _rows(ctx) == before  # … and the restore puts back exactly what was copied
    assert all(find_reader(ctx, email) for email in emails)


def test_a_backup_is_taken_while_another_connection_holds_a_write_open(
    ctx: Context, tmp_path: Path
) -> None:
    confirmed_reader(ctx, email=unique_email())
    path = ctx.db.url.removeprefix("sqlite:///")
    writer = sqlite3.connect(path)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM subscribers")  # not committed: the copy must not see it
    try:
        copy = backup.back_up(ctx, tmp_path / "copy.db")
    finally:
        writer.rollback()
        writer.close()
    assert copy.holds["readers"] == 1


def test_a_backup_never_overwrites_a_file(ctx: Context, tmp_path: Path) -> None:
    existing = tmp_path / "precious.db"
    existing.write_bytes(b"keep me")
    with pytest.raises(InvalidInput, match="already exists"):
        backup.back_up(ctx, existing)
    assert existing.read_bytes() == b"keep me"


def test_a_file_that_is_not_a_sound_bulletin_database_is_refused_and_nothing_changes(
    ctx: Context, tmp_path: Path
) -> None:
    confirmed_reader(ctx, email=unique_email())
    before = _rows(ctx)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000)
    with pytest.raises(InvalidInput, match="not a sound SQLite database"):
        backup.restore(ctx, garbage)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    with pytest.raises(InvalidInput, match="not a Bulletin database"):
        backup.restore(ctx, other)
    with pytest.raises(InvalidInput, match="is not a file"):
        backup.restore(ctx, tmp_path / "missing.db")
    assert _rows(ctx) == before


def test_an_older_backup_is_restored_and_says_it_needs_an_upgrade(
    ctx: Context, tmp_path: Path
) -> None:
    copy = backup.back_up(ctx, tmp_path / "copy.db")
    with sqlite3.connect(copy.path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0013'")
    restored = backup.restore(ctx, copy.path)
    assert restored.revision == "0013" and restored.needs_upgrade


@pytest.mark.postgres
def test_postgresql_is_pointed_to_pg_dump(ctx: Context, postgres_migrated: str) -> None:
    on_pg = replace(ctx, db=Database(postgres_migrated))
    try:
        with pytest.raises(ConfigurationError, match="pg_dump"):
            backup.back_up(on_pg, Path("/tmp/never-written.db"))
    finally:
        on_pg.db.dispose()
    with ctx.db.reading() as conn:
        assert conn.execute(select(func.count()).select_from(subscribers)).scalar_one() == 0
