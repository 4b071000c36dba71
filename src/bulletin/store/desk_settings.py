"""The settings set on the desk, and the revision that tells a process they changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.exc import ProgrammingError

from bulletin.store.db import UNAVAILABLE
from bulletin.store.tables import desk_settings, desk_settings_revision
from bulletin.store.upsert import insert_ignoring_conflicts

REVISION_ROW = 1
# What reading them may raise: the database is away, or not yet migrated (the tables
# are missing: OperationalError on SQLite, ProgrammingError on PostgreSQL).
UNREADABLE = (*UNAVAILABLE, ProgrammingError)


@dataclass(frozen=True)
class Stored:
    """One setting as the desk stored it: `value` is ciphertext when `secret`."""

    value: str
    secret: bool
    changed_by: str
    changed_at: datetime


def revision(conn: Connection) -> int:
    """The revision of the desk's settings: one row, read on every refresh."""
    found = conn.execute(
        select(desk_settings_revision.c.revision).where(desk_settings_revision.c.id == REVISION_ROW)
    ).scalar()
    return int(found or 0)


def stored(conn: Connection) -> dict[str, Stored]:
    rows = conn.execute(select(desk_settings))
    return {
        row.name: Stored(row.value, bool(row.secret), row.changed_by, row.changed_at)
        for row in rows
    }


def write(
    conn: Connection,
    changes: Mapping[str, str | None],
    *,
    secret: frozenset[str] = frozenset(),
    actor: str,
    now: datetime,
) -> int:
    """Set each name to its value (None: forget it) and raise the revision; the new one.

    The revision row is updated first, so two admins saving at once queue on its lock
    (PostgreSQL) and every change gets a revision of its own.
    """
    new = _bump(conn)
    for name, value in changes.items():
        conn.execute(delete(desk_settings).where(desk_settings.c.name == name))
        if value is not None:
            conn.execute(
                desk_settings.insert().values(
                    name=name,
                    value=value,
                    secret=name in secret,
                    changed_by=actor,
                    changed_at=now,
                )
            )
    return new


def _bump(conn: Connection) -> int:
    raised = conn.execute(
        update(desk_settings_revision)
        .where(desk_settings_revision.c.id == REVISION_ROW)
        .values(revision=desk_settings_revision.c.revision + 1)
    )
    if raised.rowcount == 0:  # a database made from the tables rather than the migrations
        conn.execute(
            insert_ignoring_conflicts(conn, desk_settings_revision).values(
                id=REVISION_ROW, revision=1
            )
        )
    return revision(conn)
