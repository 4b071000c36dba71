"""INSERT … ON CONFLICT DO NOTHING for whichever database we are on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_conflicts(conn: Connection, table: Table) -> Any:
    """An insert that silently skips rows that would break a unique constraint."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def insert_adding(
    conn: Connection, table: Table, *, keys: tuple[str, ...], adding: tuple[str, ...]
) -> Any:
    """An insert that, where the row exists, adds the new values to its `adding` columns."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + statement.excluded[name] for name in adding},
    )
