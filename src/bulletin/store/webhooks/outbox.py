"""The webhook outbox: events queued per endpoint, claimed under a lease, and their log.

`emit` runs inside the transaction of the change an event reports, so an event exists
exactly when its change committed: none lost to a crash after the commit, none invented
by a change rolled back. Senders `claim` due rows in a short transaction of their own
(`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer), leasing them: two
senders never hold one row, and the rows of a sender that died come back once its
lease has run out. Outcomes are written only by the lease's holder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Row, func, or_, select, update

from bulletin.domain.webhooks import DeliveryRecord, DeliveryState, WebhookEvent
from bulletin.store.tables import webhook_deliveries, webhook_endpoints
from bulletin.store.upsert import insert_ignoring_conflicts
from bulletin.store.webhooks import endpoints

D = webhook_deliveries.c


@dataclass(frozen=True)
class Claimed:
    """A delivery leased to one sender: everything it needs to send, as plain values."""

    id: int
    endpoint_id: int
    url: str
    event_id: str
    payload: str
    attempts: int
    created_at: datetime
    secret: str = field(repr=False)  # never in a log line or a traceback's locals


def emit(conn: Connection, events: Sequence[WebhookEvent], *, now: datetime) -> int:
    """Queue each event for every enabled endpoint subscribed to its type; how many rows."""
    if not events:
        return 0
    targets = endpoints.enabled(conn)
    rows = [
        _row(event, endpoint.id, now)
        for event in events
        for endpoint in targets
        if endpoint.wants(event.type)
    ]
    return _insert(conn, rows)


def emit_to(conn: Connection, event: WebhookEvent, endpoint_id: int, *, now: datetime) -> int:
    """Queue an event for one endpoint, whatever it subscribes to (the desk's test event)."""
    return _insert(conn, [_row(event, endpoint_id, now)])


def claim(
    conn: Connection, *, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[Claimed]:
    """Lease up to `limit` due deliveries of enabled endpoints to `owner`, oldest first."""
    due = (
        select(D.id)
        .join(webhook_endpoints, webhook_endpoints.c.id == D.endpoint_id)
        .where(
            D.status == DeliveryState.QUEUED,
            D.next_attempt_at <= now,
            or_(D.lease_until.is_(None), D.lease_until < now),
            webhook_endpoints.c.enabled.is_(True),
        )
        .order_by(D.next_attempt_at, D.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=webhook_deliveries)
    )
    ids = list(conn.execute(due).scalars())
    if not ids:
        return []
    conn.execute(
        update(webhook_deliveries)
        .where(D.id.in_(ids))
        .values(lease_owner=owner, lease_until=now + lease)
    )
    rows = conn.execute(
        select(
            D.id,
            D.endpoint_id,
            D.event_id,
            D.payload,
            D.attempts,
            D.created_at,
            webhook_endpoints.c.url,
            webhook_endpoints.c.secret,
        )
        .join(webhook_endpoints, webhook_endpoints.c.id == D.endpoint_id)
        .where(D.id.in_(ids))
        .order_by(D.next_attempt_at, D.id)
    )
    return [
        Claimed(
            id=int(r.id),
            endpoint_id=int(r.endpoint_id),
            url=r.url,
            event_id=r.event_id,
            payload=r.payload,
            attempts=int(r.attempts),
            created_at=r.created_at,
            secret=r.secret,
        )
        for r in rows
    ]


def delivered(
    conn: Connection, delivery_id: int, *, owner: str, status: int, now: datetime
) -> bool:
    """The endpoint answered 2xx. False if `owner` no longer held the lease."""
    return _finish(
        conn,
        delivery_id,
        owner,
        state=DeliveryState.DELIVERED,
        next_attempt_at=None,
        last_status=status,
        last_error=None,
        delivered_at=now,
    )


def attempt_failed(
    conn: Connection,
    delivery_id: int,
    *,
    owner: str,
    status: int | None,
    error: str,
    retry_at: datetime | None,
) -> bool:
    """Count a failed attempt: queued again for `retry_at`, or failed for good (None)."""
    return _finish(
        conn,
        delivery_id,
        owner,
        state=DeliveryState.QUEUED if retry_at is not None else DeliveryState.FAILED,
        next_attempt_at=retry_at,
        last_status=status,
        last_error=error[:1000],
        delivered_at=None,
    )


def release(conn: Connection, ids: Sequence[int], *, owner: str) -> None:
    """Give claimed rows back untried (a sender stopping), no attempt counted."""
    if ids:
        conn.execute(
            update(webhook_deliveries)
            .where(D.id.in_(list(ids)), D.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )


def log(conn: Connection, endpoint_id: int, *, limit: int = 50) -> list[DeliveryRecord]:
    """An endpoint's deliveries, latest first."""
    rows = conn.execute(
        select(webhook_deliveries)
        .where(D.endpoint_id == endpoint_id)
        .order_by(D.id.desc())
        .limit(limit)
    )
    return [_record(r) for r in rows]


def counts(conn: Connection) -> dict[int, dict[str, int]]:
    """Per endpoint, how many deliveries are in each state (for the desk's list)."""
    rows = conn.execute(
        select(D.endpoint_id, D.status, func.count()).group_by(D.endpoint_id, D.status)
    )
    found: dict[int, dict[str, int]] = {}
    for endpoint_id, status, n in rows:
        found.setdefault(int(endpoint_id), {})[status] = int(n)
    return found


def prune(conn: Connection, *, before: datetime) -> int:
    """Forget finished deliveries created before `before` (the log's retention)."""
    result = conn.execute(
        webhook_deliveries.delete().where(D.status != DeliveryState.QUEUED, D.created_at < before)
    )
    return int(result.rowcount)


def _finish(
    conn: Connection, delivery_id: int, owner: str, *, state: DeliveryState, **values: object
) -> bool:
    result = conn.execute(
        update(webhook_deliveries)
        .where(D.id == delivery_id, D.lease_owner == owner)
        .values(
            status=state,
            attempts=D.attempts + 1,
            lease_owner=None,
            lease_until=None,
            **values,
        )
    )
    return result.rowcount == 1


def _row(event: WebhookEvent, endpoint_id: int, now: datetime) -> dict[str, object]:
    return {
        "event_id": event.id,
        "event_type": event.type.value,
        "payload": event.body(),
        "endpoint_id": endpoint_id,
        "subscriber_id": event.subscriber_id,
        "status": DeliveryState.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _insert(conn: Connection, rows: list[dict[str, object]]) -> int:
    if not rows:
        return 0
    # (event, endpoint) is unique: queuing one event twice (a retried batch) sends it once
    conn.execute(insert_ignoring_conflicts(conn, webhook_deliveries), rows)
    return len(rows)


def _record(row: Row) -> DeliveryRecord:
    return DeliveryRecord(
        id=int(row.id),
        endpoint_id=int(row.endpoint_id),
        event_id=row.event_id,
        event_type=row.event_type,
        state=DeliveryState(row.status),
        attempts=int(row.attempts),
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at if row.status == DeliveryState.QUEUED else None,
        last_status=row.last_status,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
    )
