"""Queries over desk sessions: one row per signed-in browser, found by its token's hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, delete, select, update

from bulletin.store.tables import desk_sessions


@dataclass(frozen=True)
class SessionRow:
    id: int
    editor_id: int
    created_at: datetime
    last_seen_at: datetime
    ip: str | None
    user_agent: str | None


def insert(
    conn: Connection,
    *,
    token_hash: str,
    editor_id: int,
    now: datetime,
    ip: str | None,
    user_agent: str | None,
) -> int:
    result = conn.execute(
        desk_sessions.insert()
        .returning(desk_sessions.c.id)
        .values(
            token_hash=token_hash,
            editor_id=editor_id,
            created_at=now,
            last_seen_at=now,
            ip=ip,
            user_agent=user_agent,
        )
    )
    return int(result.scalar_one())


def by_token(conn: Connection, token_hash: str) -> SessionRow | None:
    row = conn.execute(
        select(desk_sessions).where(desk_sessions.c.token_hash == token_hash)
    ).one_or_none()
    return _to_row(row) if row else None


def of_editor(conn: Connection, editor_id: int) -> list[SessionRow]:
    rows = conn.execute(
        select(desk_sessions)
        .where(desk_sessions.c.editor_id == editor_id)
        .order_by(desk_sessions.c.last_seen_at.desc())
    )
    return [_to_row(row) for row in rows]


def touch(conn: Connection, session_id: int, *, now: datetime) -> None:
    conn.execute(
        update(desk_sessions).where(desk_sessions.c.id == session_id).values(last_seen_at=now)
    )


def delete_one(conn: Connection, session_id: int) -> None:
    conn.execute(delete(desk_sessions).where(desk_sessions.c.id == session_id))


def delete_of_editor(conn: Connection, editor_id: int, *, keep: int | None = None) -> int:
    """End every session of this editor (but `keep`); how many were ended."""
    query = delete(desk_sessions).where(desk_sessions.c.editor_id == editor_id)
    if keep is not None:
        query = query.where(desk_sessions.c.id != keep)
    return conn.execute(query).rowcount


def _to_row(row: Row) -> SessionRow:
    return SessionRow(
        id=row.id,
        editor_id=row.editor_id,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        ip=row.ip,
        user_agent=row.user_agent,
    )
