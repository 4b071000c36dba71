"""Queries over failed sign-ins, kept only for the throttle's window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, select

from bulletin.store.tables import sign_in_failures


def failures_since(conn: Connection, key_hash: str, since: datetime) -> list[datetime]:
    rows = conn.execute(
        select(sign_in_failures.c.failed_at).where(
            sign_in_failures.c.key_hash == key_hash, sign_in_failures.c.failed_at > since
        )
    )
    return [row.failed_at for row in rows]


def record(
    conn: Connection, key_hashes: Sequence[str], *, now: datetime, forget_before: datetime
) -> None:
    """One failure for each key; the keys' failures older than the window are dropped."""
    conn.execute(
        delete(sign_in_failures).where(
            sign_in_failures.c.key_hash.in_(key_hashes),
            sign_in_failures.c.failed_at <= forget_before,
        )
    )
    conn.execute(
        sign_in_failures.insert(), [{"key_hash": key, "failed_at": now} for key in key_hashes]
    )


def clear(conn: Connection, key_hash: str) -> None:
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key_hash == key_hash))
