"""Queries over delivery events: bounces, complaints, unsubscribes and refusals per campaign."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Integer, cast, func, select, tuple_

from bulletin.domain.reputation import ComplaintRate
from bulletin.store.ledger import counts as ledger_counts
from bulletin.store.tables import deliveries, events
from bulletin.store.upsert import insert_ignoring_conflicts


class EventKind(enum.StrEnum):
    BOUNCE = "bounce"  # permanent: the address is suppressed
    SOFT_BOUNCE = "soft_bounce"  # temporary: counted, nothing else
    COMPLAINT = "complaint"  # the reader marked it as spam: suppressed
    UNSUBSCRIBE = "unsubscribe"  # left the list from this campaign's link (or its provider's)
    SENDER = "sender"  # refused for the newsroom's own reasons (policy, reputation): nothing else
    REPORT = "report"  # informational (not-spam, auth-failure, auto-reply): nothing else


@dataclass(frozen=True)
class Event:
    kind: EventKind
    campaign_id: int | None
    subscriber_id: int | None
    email: str | None
    detail: str | None
    dedupe_key: str | None = None


def record(conn: Connection, event: Event, *, now: datetime) -> bool:
    """Store an event; False when one with the same dedupe key is already there."""
    result = conn.execute(
        insert_ignoring_conflicts(conn, events)
        .values(
            kind=event.kind.value,
            campaign_id=event.campaign_id,
            subscriber_id=event.subscriber_id,
            email=event.email,
            detail=(event.detail or "")[:2000] or None,
            dedupe_key=event.dedupe_key,
            occurred_at=now,
        )
        .returning(events.c.id)  # rowcount is not reliable for a skipped row on every driver
    )
    return result.first() is not None


def record_new(conn: Connection, batch: Sequence[Event], *, now: datetime) -> set[str]:
    """Store the events whose dedupe key is not there yet, in one statement; their keys.

    Every event must have a dedupe key. One insert with RETURNING, so a key another
    process stored a moment ago is skipped by the database, not by a read before.
    """
    if not batch:
        return set()
    rows = [
        {
            "kind": event.kind.value,
            "campaign_id": event.campaign_id,
            "subscriber_id": event.subscriber_id,
            "email": event.email,
            "detail": (event.detail or "")[:2000] or None,
            "dedupe_key": event.dedupe_key,
            "occurred_at": now,
        }
        # In key order: two processes inserting overlapping batches then wait for each
        # other in one order, never in a cycle (a deadlock on PostgreSQL).
        for event in sorted(batch, key=lambda event: event.dedupe_key or "")
    ]
    assert all(row["dedupe_key"] for row in rows), "record_new needs a dedupe key on each"
    inserted = conn.execute(
        insert_ignoring_conflicts(conn, events).values(rows).returning(events.c.dedupe_key)
    )
    return {str(key) for (key,) in inserted}


def by_campaign(conn: Connection, campaign_ids: Sequence[int], kind: EventKind) -> dict[int, int]:
    """How many events of this kind each of these campaigns has had (only those with any)."""
    if not campaign_ids:
        return {}
    rows = conn.execute(
        select(events.c.campaign_id, func.count())
        .where(events.c.campaign_id.in_(list(campaign_ids)), events.c.kind == kind.value)
        .group_by(events.c.campaign_id)
    )
    return {int(campaign_id): int(count) for campaign_id, count in rows}


def complaint_rates(conn: Connection, campaign_ids: Sequence[int]) -> dict[int, ComplaintRate]:
    """Each campaign's complaints over its delivered messages (accepted, less hard bounces)."""
    complaints = by_campaign(conn, campaign_ids, EventKind.COMPLAINT)
    bounces = by_campaign(conn, campaign_ids, EventKind.BOUNCE)
    sent = ledger_counts.sent_by_campaign(conn, campaign_ids)
    return {
        c: ComplaintRate(complaints.get(c, 0), max(sent.get(c, 0) - bounces.get(c, 0), 0))
        for c in campaign_ids
    }


def counts(conn: Connection, campaign_id: int) -> dict[EventKind, int]:
    """How many events of each kind a campaign has (every kind present, zero if none)."""
    rows = conn.execute(
        select(events.c.kind, func.count())
        .where(events.c.campaign_id == campaign_id)
        .group_by(events.c.kind)
    )
    found = {kind: 0 for kind in EventKind}
    for kind, count in rows:
        if kind in found:
            found[EventKind(kind)] = int(count)
    return found


def soft_bounced_sends(conn: Connection, subscriber_id: int, *, since: datetime) -> int:
    """Different sends that soft-bounced for this reader since `since` (each soft bounce
    whose send is not known counts as one)."""
    recent = (
        events.c.subscriber_id == subscriber_id,
        events.c.kind == EventKind.SOFT_BOUNCE.value,
        events.c.occurred_at >= since,
    )
    sends = conn.execute(
        select(func.count(func.distinct(events.c.campaign_id))).where(*recent)
    ).scalar_one()
    unknown = conn.execute(
        select(func.count()).where(*recent, events.c.campaign_id.is_(None))
    ).scalar_one()
    return int(sends) + int(unknown)


def was_sent(conn: Connection, campaign_id: int, subscriber_id: int) -> bool:
    """Whether the ledger has this campaign and reader: only then is an event theirs."""
    row = conn.execute(
        select(deliveries.c.id).where(
            deliveries.c.campaign_id == campaign_id, deliveries.c.subscriber_id == subscriber_id
        )
    ).first()
    return row is not None


def sent_pairs(conn: Connection, pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """The (campaign, reader) pairs of these that the ledger has (`was_sent`, many at once)."""
    wanted = sorted(set(pairs))
    if not wanted:
        return set()
    key = tuple_(deliveries.c.campaign_id, deliveries.c.subscriber_id)
    rows = conn.execute(
        select(deliveries.c.campaign_id, deliveries.c.subscriber_id).where(key.in_(wanted))
    )
    return {(int(c), int(s)) for c, s in rows}


def sent_per_minute(conn: Connection, campaign_id: int) -> list[tuple[int, int]]:
    """(minute since the epoch, messages sent in it), oldest first, minutes with none left out."""
    minute = epoch_minute(conn, deliveries.c.sent_at)
    rows = conn.execute(
        select(minute.label("minute"), func.count())
        .where(deliveries.c.campaign_id == campaign_id, deliveries.c.sent_at.is_not(None))
        .where(deliveries.c.status == "sent")
        .group_by(minute)
        .order_by(minute)
    )
    return [(int(m), int(c)) for m, c in rows]


def epoch_minute(conn: Connection, column: ColumnElement[datetime]) -> ColumnElement[int]:
    """Whole minutes since 1970 of a UTC timestamp column, on either database."""
    if conn.dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", column) / 60), Integer)
    # SQLite keeps our UTC timestamps as text; strftime('%s') reads them as UTC.
    # Floor division: SQLAlchemy's `/` on integers is true division (a row per second).
    return cast(func.strftime("%s", column), Integer) // 60
