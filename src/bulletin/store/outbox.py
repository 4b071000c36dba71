"""Queued transactional mail (confirmation requests), claimed and sent by the worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Update, or_, select, update

from bulletin.domain.models import DeliveryStatus
from bulletin.store.tables import outbox, subscribers


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    subscriber_id: int
    email: str
    attempts: int


def enqueue(conn: Connection, *, kind: str, subscriber_id: int, now: datetime) -> int:
    result = conn.execute(
        outbox.insert()
        .returning(outbox.c.id)
        .values(
            kind=kind,
            subscriber_id=subscriber_id,
            status=DeliveryStatus.QUEUED,
            send_after=now,
            attempts=0,
            created_at=now,
        )
    )
    return int(result.scalar_one())


def claim(
    conn: Connection, *, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[OutboxItem]:
    due = (
        select(outbox.c.id)
        .where(
            outbox.c.status == DeliveryStatus.QUEUED,
            outbox.c.send_after <= now,
            or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now),
        )
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(conn.execute(due).scalars())
    if not ids:
        return []
    conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(ids))
        .values(lease_owner=owner, lease_until=now + lease)
    )
    rows = conn.execute(
        select(
            outbox.c.id,
            outbox.c.kind,
            outbox.c.subscriber_id,
            outbox.c.attempts,
            subscribers.c.email,
        )
        .join(subscribers, subscribers.c.id == outbox.c.subscriber_id)
        .where(outbox.c.id.in_(ids))
        .order_by(outbox.c.id)
    )
    return [
        OutboxItem(
            id=r.id, kind=r.kind, subscriber_id=r.subscriber_id, email=r.email, attempts=r.attempts
        )
        for r in rows
    ]


def mark_sent(conn: Connection, item_id: int, reply: str, *, now: datetime) -> None:
    conn.execute(
        _row(item_id).values(
            status=DeliveryStatus.SENT,
            sent_at=now,
            last_reply=reply,
            attempts=outbox.c.attempts + 1,
            lease_owner=None,
            lease_until=None,
        )
    )


def mark_failed(conn: Connection, item_id: int, reply: str) -> None:
    conn.execute(
        _row(item_id).values(
            status=DeliveryStatus.FAILED,
            last_reply=reply,
            attempts=outbox.c.attempts + 1,
            lease_owner=None,
            lease_until=None,
        )
    )


def mark_retry(conn: Connection, item_id: int, reply: str, *, retry_at: datetime) -> None:
    conn.execute(
        _row(item_id).values(
            last_reply=reply,
            send_after=retry_at,
            attempts=outbox.c.attempts + 1,
            lease_owner=None,
            lease_until=None,
        )
    )


def _row(item_id: int) -> Update:
    return update(outbox).where(outbox.c.id == item_id)


def renew(conn: Connection, *, worker: str, now: datetime, until: datetime) -> int:
    """Extend to `until` the leases of this worker's claims (owners `worker#n`); one that
    ran out is still ours until another claim writes its own owner over it."""
    return conn.execute(
        update(outbox)
        .where(
            outbox.c.status == DeliveryStatus.QUEUED,
            outbox.c.lease_until.is_not(None),
            outbox.c.lease_owner.startswith(f"{worker}#", autoescape=True),
        )
        .values(lease_until=until)
    ).rowcount


def release(conn: Connection, ids: list[int]) -> None:
    """Give claimed items back untouched."""
    if ids:
        conn.execute(
            update(outbox).where(outbox.c.id.in_(ids)).values(lease_owner=None, lease_until=None)
        )
