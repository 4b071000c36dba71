"""Addresses we must never mail again (hard bounces, complaints, operator bans), by the
keyed hash of their key: the list names no one, and outlives a reader's erasure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, bindparam, literal, select, update

from bulletin.store.tables import subscribers, suppressions
from bulletin.store.upsert import insert_ignoring_conflicts


@dataclass(frozen=True)
class Suppression:
    reason: str
    created_at: datetime
    detail: str | None


def add(
    conn: Connection, digest: str, *, reason: str, now: datetime, detail: str | None = None
) -> None:
    """Suppress the address with this keyed hash; a second suppression changes nothing."""
    conn.execute(
        insert_ignoring_conflicts(conn, suppressions).values(
            address_hash=digest, reason=reason, detail=detail, created_at=now
        )
    )


def add_for_reader(
    conn: Connection, subscriber_id: int, *, reason: str, now: datetime, detail: str | None = None
) -> None:
    """Suppress a reader's address, by the hash stored with them (no key needed)."""
    reader = select(
        subscribers.c.address_hash,
        literal(reason),
        literal(detail),
        literal(now, type_=suppressions.c.created_at.type),
    ).where(subscribers.c.id == subscriber_id)
    conn.execute(
        insert_ignoring_conflicts(conn, suppressions).from_select(
            ["address_hash", "reason", "detail", "created_at"], reader
        )
    )


@dataclass(frozen=True)
class ReaderSuppression:
    subscriber_id: int
    reason: str
    detail: str | None = None


def add_for_readers(conn: Connection, batch: Sequence[ReaderSuppression], *, now: datetime) -> None:
    """`add_for_reader` for many readers, in one executemany."""
    if not batch:
        return
    reader = select(
        subscribers.c.address_hash,
        bindparam("reason"),
        bindparam("detail"),
        bindparam("now", type_=suppressions.c.created_at.type),
    ).where(subscribers.c.id == bindparam("reader"))
    insert = insert_ignoring_conflicts(conn, suppressions).from_select(
        ["address_hash", "reason", "detail", "created_at"], reader
    )
    conn.execute(
        insert,
        [
            {"reader": each.subscriber_id, "reason": each.reason, "detail": each.detail, "now": now}
            for each in sorted(batch, key=lambda each: each.subscriber_id)  # as record_new
        ],
    )


def suppressed_readers(conn: Connection, subscriber_ids: Iterable[int]) -> set[int]:
    """Which of these readers' addresses are suppressed."""
    wanted = sorted(set(subscriber_ids))
    if not wanted:
        return set()
    rows = conn.execute(
        select(subscribers.c.id)
        .join(suppressions, suppressions.c.address_hash == subscribers.c.address_hash)
        .where(subscribers.c.id.in_(wanted))
    )
    return {int(reader) for (reader,) in rows}


def is_suppressed(conn: Connection, digest: str) -> bool:
    return find(conn, digest) is not None


def find(conn: Connection, digest: str) -> Suppression | None:
    row = conn.execute(
        select(suppressions).where(suppressions.c.address_hash == digest)
    ).one_or_none()
    return _to_suppression(row) if row else None


def of_reader(conn: Connection, subscriber_id: int) -> Suppression | None:
    row = conn.execute(
        select(suppressions)
        .join(subscribers, subscribers.c.address_hash == suppressions.c.address_hash)
        .where(subscribers.c.id == subscriber_id)
    ).one_or_none()
    return _to_suppression(row) if row else None


def set_detail(conn: Connection, digest: str, detail: str | None) -> None:
    conn.execute(
        update(suppressions).where(suppressions.c.address_hash == digest).values(detail=detail)
    )


def _to_suppression(row: Row) -> Suppression:
    return Suppression(reason=row.reason, created_at=row.created_at, detail=row.detail)
