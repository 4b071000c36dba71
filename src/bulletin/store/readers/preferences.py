"""Queries behind the preference centre: topics, time zone, briefing time, joining a list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from bulletin.domain.models import SubscriptionStatus
from bulletin.store.tables import subscriber_topics, subscribers, subscriptions


def topics(conn: Connection, subscriber_id: int) -> list[str]:
    rows = conn.execute(
        select(subscriber_topics.c.topic)
        .where(subscriber_topics.c.subscriber_id == subscriber_id)
        .order_by(subscriber_topics.c.topic)
    )
    return list(rows.scalars())


def set_topics(conn: Connection, subscriber_id: int, wanted: list[str], *, now: datetime) -> None:
    conn.execute(
        delete(subscriber_topics).where(subscriber_topics.c.subscriber_id == subscriber_id)
    )
    if wanted:
        conn.execute(
            subscriber_topics.insert(),
            [{"subscriber_id": subscriber_id, "topic": t, "created_at": now} for t in wanted],
        )


def set_schedule(
    conn: Connection, subscriber_id: int, *, time_zone: str | None, briefing_time: str
) -> None:
    conn.execute(
        update(subscribers)
        .where(subscribers.c.id == subscriber_id)
        .values(time_zone=time_zone, briefing_time=briefing_time)
    )


def join(conn: Connection, subscriber_id: int, list_id: int, *, now: datetime) -> bool:
    """Make the reader a confirmed member of the list; True if that changed anything."""
    status = conn.execute(
        select(subscriptions.c.status).where(
            subscriptions.c.subscriber_id == subscriber_id, subscriptions.c.list_id == list_id
        )
    ).scalar_one_or_none()
    if status == SubscriptionStatus.CONFIRMED:
        return False
    values = {"status": SubscriptionStatus.CONFIRMED, "confirmed_at": now, "unsubscribed_at": None}
    if status is None:
        conn.execute(
            subscriptions.insert().values(
                subscriber_id=subscriber_id, list_id=list_id, created_at=now, **values
            )
        )
    else:
        conn.execute(
            update(subscriptions)
            .where(
                subscriptions.c.subscriber_id == subscriber_id,
                subscriptions.c.list_id == list_id,
            )
            .values(**values)
        )
    conn.execute(
        update(subscribers)
        .where(subscribers.c.id == subscriber_id, subscribers.c.confirmed_at.is_(None))
        .values(confirmed_at=now)
    )
    return True
