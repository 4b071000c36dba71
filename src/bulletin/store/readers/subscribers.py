"""Queries over subscribers and their subscriptions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, Update, func, select, update

from bulletin.domain.addresses import Identity
from bulletin.domain.models import Subscriber, SubscriptionStatus
from bulletin.store.tables import subscriber_aliases, subscribers, subscriptions
from bulletin.store.upsert import insert_ignoring_conflicts


def _to_subscriber(row: Row) -> Subscriber:
    return Subscriber(
        id=row.id,
        email=row.email,
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
        time_zone=row.time_zone,
        briefing_time=row.briefing_time,
    )


def get(conn: Connection, subscriber_id: int) -> Subscriber | None:
    row = conn.execute(select(subscribers).where(subscribers.c.id == subscriber_id)).one_or_none()
    return _to_subscriber(row) if row else None


def find_by_key(conn: Connection, key: str) -> Subscriber | None:
    """The reader with this address key (`domain.addresses.address_key`), if any."""
    row = conn.execute(select(subscribers).where(subscribers.c.address_key == key)).one_or_none()
    return _to_subscriber(row) if row else None


def get_many(conn: Connection, subscriber_ids: Iterable[int]) -> dict[int, Subscriber]:
    """The readers of these ids that exist, by id."""
    wanted = sorted(set(subscriber_ids))
    if not wanted:
        return {}
    rows = conn.execute(select(subscribers).where(subscribers.c.id.in_(wanted)))
    return {row.id: _to_subscriber(row) for row in rows}


def find_by_keys(conn: Connection, keys: Iterable[str]) -> dict[str, Subscriber]:
    """The readers with these address keys, by key (`find_by_key`, many at once)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = conn.execute(select(subscribers).where(subscribers.c.address_key.in_(wanted)))
    return {row.address_key: _to_subscriber(row) for row in rows}


def merged_into(conn: Connection, old_id: int) -> tuple[Subscriber, str] | None:
    """The reader a merged-away id now belongs to, with the old address's fingerprint."""
    row = conn.execute(
        select(subscriber_aliases.c.subscriber_id, subscriber_aliases.c.address_fingerprint).where(
            subscriber_aliases.c.old_id == old_id
        )
    ).one_or_none()
    if row is None:
        return None
    found = get(conn, row.subscriber_id)
    return (found, row.address_fingerprint) if found else None


def get_or_create(
    conn: Connection, identity: Identity, *, time_zone: str | None, now: datetime
) -> tuple[Subscriber, bool]:
    """The reader with this identity, creating it if needed; (subscriber, created).

    A reader found by their key keeps the address as they first typed it.
    """
    stmt = insert_ignoring_conflicts(conn, subscribers).values(
        email=identity.email,
        address_key=identity.key,
        address_hash=identity.digest,
        time_zone=time_zone,
        created_at=now,
    )
    created = conn.execute(stmt.execution_options(preserve_rowcount=True)).rowcount == 1
    subscriber = find_by_key(conn, identity.key)
    assert subscriber is not None  # inserted or already there, in this transaction
    return subscriber, created


def statuses(conn: Connection, subscriber_id: int) -> dict[int, SubscriptionStatus]:
    """Each list this subscriber has ever joined, with where they stand on it."""
    rows = conn.execute(
        select(subscriptions.c.list_id, subscriptions.c.status).where(
            subscriptions.c.subscriber_id == subscriber_id
        )
    )
    return {row.list_id: SubscriptionStatus(row.status) for row in rows}


@dataclass(frozen=True)
class Pending:
    """The lists a sign-up leaves pending, and those of them it made pending just now."""

    lists: tuple[int, ...]
    new: tuple[int, ...]


def add_pending(
    conn: Connection, subscriber_id: int, list_ids: Iterable[int], *, now: datetime
) -> Pending:
    """Ask to join lists: new or previously-left subscriptions become pending.

    Confirmed subscriptions are left alone, and so are pending ones: asking again
    changes nothing, so it must not add to the consent record (`Pending.new`).
    """
    current = statuses(conn, subscriber_id)
    pending: list[int] = []
    new: list[int] = []
    for list_id in list_ids:
        status = current.get(list_id)
        if status is SubscriptionStatus.CONFIRMED:
            continue
        pending.append(list_id)
        if status is SubscriptionStatus.PENDING:
            continue
        new.append(list_id)
        if status is None:
            conn.execute(
                subscriptions.insert().values(
                    subscriber_id=subscriber_id,
                    list_id=list_id,
                    status=SubscriptionStatus.PENDING,
                    created_at=now,
                )
            )
        else:
            conn.execute(
                _subscription(subscriber_id, list_id).values(
                    status=SubscriptionStatus.PENDING, unsubscribed_at=None
                )
            )
    return Pending(lists=tuple(pending), new=tuple(new))


def confirm_pending(conn: Connection, subscriber_id: int, *, now: datetime) -> list[int]:
    """Confirm the address and every pending subscription; returns the lists confirmed."""
    pending = [
        list_id
        for list_id, status in statuses(conn, subscriber_id).items()
        if status is SubscriptionStatus.PENDING
    ]
    conn.execute(
        update(subscriptions)
        .where(
            subscriptions.c.subscriber_id == subscriber_id,
            subscriptions.c.status == SubscriptionStatus.PENDING,
        )
        .values(status=SubscriptionStatus.CONFIRMED, confirmed_at=now)
    )
    conn.execute(
        update(subscribers)
        .where(subscribers.c.id == subscriber_id, subscribers.c.confirmed_at.is_(None))
        .values(confirmed_at=now)
    )
    return pending


def unsubscribe(conn: Connection, subscriber_id: int, list_id: int, *, now: datetime) -> bool:
    """Leave one list; True if this changed anything."""
    result = conn.execute(
        _subscription(subscriber_id, list_id)
        .where(subscriptions.c.status != SubscriptionStatus.UNSUBSCRIBED)
        .values(status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at=now)
    )
    return result.rowcount > 0


def mark_confirmation_sent(conn: Connection, subscriber_id: int, *, now: datetime) -> None:
    conn.execute(
        update(subscribers)
        .where(subscribers.c.id == subscriber_id)
        .values(confirmation_sent_at=now)
    )


def confirmation_sent_at(conn: Connection, subscriber_id: int) -> datetime | None:
    return conn.execute(
        select(subscribers.c.confirmation_sent_at).where(subscribers.c.id == subscriber_id)
    ).scalar_one_or_none()


def counts_by_list(conn: Connection) -> dict[int, dict[SubscriptionStatus, int]]:
    """How many readers stand where on each list."""
    rows = conn.execute(
        select(subscriptions.c.list_id, subscriptions.c.status, func.count()).group_by(
            subscriptions.c.list_id, subscriptions.c.status
        )
    )
    counts: dict[int, dict[SubscriptionStatus, int]] = {}
    for list_id, status, count in rows:
        counts.setdefault(list_id, {})[SubscriptionStatus(status)] = count
    return counts


def _subscription(subscriber_id: int, list_id: int) -> Update:
    return update(subscriptions).where(
        subscriptions.c.subscriber_id == subscriber_id, subscriptions.c.list_id == list_id
    )
