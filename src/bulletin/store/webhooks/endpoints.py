"""Webhook endpoints: where events go, which types each wants, and its signing secret."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, Row, select, update

from bulletin.domain.webhooks import Endpoint, EventType
from bulletin.store.tables import webhook_endpoints

_VIEW = (
    webhook_endpoints.c.id,
    webhook_endpoints.c.url,
    webhook_endpoints.c.description,
    webhook_endpoints.c.event_types,
    webhook_endpoints.c.enabled,
    webhook_endpoints.c.created_by,
    webhook_endpoints.c.created_at,
)


def add(
    conn: Connection,
    *,
    url: str,
    description: str,
    secret: str,
    event_types: Iterable[EventType],
    created_by: str,
    now: datetime,
) -> int:
    result = conn.execute(
        webhook_endpoints.insert()
        .returning(webhook_endpoints.c.id)
        .values(
            url=url,
            description=description,
            secret=secret,
            event_types=_types_text(event_types),
            enabled=True,
            created_by=created_by,
            created_at=now,
        )
    )
    return int(result.scalar_one())


def get(conn: Connection, endpoint_id: int) -> Endpoint | None:
    row = conn.execute(select(*_VIEW).where(webhook_endpoints.c.id == endpoint_id)).first()
    return _endpoint(row) if row else None


def all_endpoints(conn: Connection) -> list[Endpoint]:
    return [_endpoint(r) for r in conn.execute(select(*_VIEW).order_by(webhook_endpoints.c.id))]


def enabled(conn: Connection) -> list[Endpoint]:
    """The endpoints events are queued for (a handful: read whole, filtered by type in Python)."""
    rows = conn.execute(
        select(*_VIEW).where(webhook_endpoints.c.enabled.is_(True)).order_by(webhook_endpoints.c.id)
    )
    return [_endpoint(r) for r in rows]


def secret(conn: Connection, endpoint_id: int) -> str | None:
    return conn.execute(
        select(webhook_endpoints.c.secret).where(webhook_endpoints.c.id == endpoint_id)
    ).scalar_one_or_none()


def secrets_of(conn: Connection, endpoint_ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(endpoint_ids))
    if not wanted:
        return {}
    rows = conn.execute(
        select(webhook_endpoints.c.id, webhook_endpoints.c.secret).where(
            webhook_endpoints.c.id.in_(wanted)
        )
    )
    return {int(r.id): r.secret for r in rows}


def set_enabled(conn: Connection, endpoint_id: int, on: bool) -> bool:
    result = conn.execute(
        update(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id).values(enabled=on)
    )
    return result.rowcount == 1


def set_event_types(conn: Connection, endpoint_id: int, event_types: Iterable[EventType]) -> bool:
    result = conn.execute(
        update(webhook_endpoints)
        .where(webhook_endpoints.c.id == endpoint_id)
        .values(event_types=_types_text(event_types))
    )
    return result.rowcount == 1


def delete(conn: Connection, endpoint_id: int) -> bool:
    """Remove the endpoint and (by cascade) its deliveries and their log."""
    result = conn.execute(webhook_endpoints.delete().where(webhook_endpoints.c.id == endpoint_id))
    return result.rowcount == 1


def _types_text(event_types: Iterable[EventType]) -> str:
    return " ".join(sorted({EventType(t).value for t in event_types}))


def _endpoint(row: Row) -> Endpoint:
    known = {t.value for t in EventType}
    return Endpoint(
        id=int(row.id),
        url=row.url,
        description=row.description,
        # a type a newer release wrote and this one does not know is left out, not an error
        event_types=frozenset(EventType(t) for t in row.event_types.split() if t in known),
        enabled=bool(row.enabled),
        created_by=row.created_by,
        created_at=row.created_at,
    )
