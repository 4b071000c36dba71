"""Backing up and restoring the embedded SQLite database, checked both ways.

A backup is only worth what a restore of it gives back, so both directions check the
copy with SQLite's integrity check and report what it holds (readers, campaigns,
ledger rows). PostgreSQL installations use `pg_dump` / `pg_restore` (docs/operations.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bulletin.domain.errors import ConfigurationError, InvalidInput
from bulletin.services.context import Context
from bulletin.store import backup, migrate
from bulletin.store.db import Database

PG_HINT = (
    "This database is PostgreSQL: back it up with `pg_dump --format=custom` and restore "
    "with `pg_restore` (docs/operations.md, Backups)."
)


@dataclass(frozen=True)
class Copy:
    path: Path
    revision: str | None
    holds: dict[str, int]
    current: str = migrate.HEAD  # the revision this code needs

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != self.current


def back_up(ctx: Context, target: Path) -> Copy:
    """Write a consistent copy of the live database to the new file `target`."""
    _require_sqlite(ctx)
    if target.exists():
        raise InvalidInput(f"{target} already exists: back up to a new file.")
    if not target.parent.is_dir():
        raise InvalidInput(f"{target.parent} is not a directory.")
    backup.copy_out(ctx.db, target)
    return _checked(target)


def restore(ctx: Context, source: Path) -> Copy:
    """Replace the database's whole content by the backup at `source`, once it checks out."""
    _require_sqlite(ctx)
    if not source.is_file():
        raise InvalidInput(f"{source} is not a file.")
    copy = _checked(source)
    if copy.revision is None:
        raise InvalidInput(f"{source} is a SQLite file but not a Bulletin database.")
    backup.copy_in(ctx.db, source)
    return copy


def _checked(path: Path) -> Copy:
    verdict = backup.integrity(path)
    if verdict != "ok":
        raise InvalidInput(f"{path} is not a sound SQLite database: {verdict}")
    copy_db = Database(f"sqlite:///{path}")
    try:
        revision = migrate.current_revision(copy_db)
        holds = backup.counts(copy_db) if revision else {}
    finally:
        copy_db.dispose()
    return Copy(path, revision, holds)


def _require_sqlite(ctx: Context) -> None:
    if ctx.db.dialect != "sqlite":
        raise ConfigurationError(PG_HINT)
