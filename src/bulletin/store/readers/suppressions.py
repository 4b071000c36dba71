"""Addresses we must never mail again (hard bounces, complaints, operator bans)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from bulletin.store.tables import suppressions
from bulletin.store.upsert import insert_ignoring_conflicts


def add(
    conn: Connection, email: str, *, reason: str, now: datetime, detail: str | None = None
) -> None:
    conn.execute(
        insert_ignoring_conflicts(conn, suppressions).values(
            email=email, reason=reason, detail=detail, created_at=now
        )
    )


def is_suppressed(conn: Connection, email: str) -> bool:
    return (
        conn.execute(select(suppressions.c.id).where(suppressions.c.email == email)).first()
        is not None
    )
