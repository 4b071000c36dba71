"""Writing a briefing's ledger: one INSERT … SELECT per (time zone, briefing time) group.

Readers who share a zone and a briefing time share a send time and an expiry, so a
million readers in 24 zones are a few dozen statements, never a loop over readers.
Each row carries the reader's segment (their topics as a bit mask, see
`domain.editions`) so the engine renders once per segment. Rows already in the ledger
are left alone (ON CONFLICT DO NOTHING on the ledger's unique pair): writing a group
twice queues nobody twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, ScalarSelect, Select, case, func, literal, select

from bulletin.domain.editions import TOPIC_BITS
from bulletin.domain.models import DeliveryStatus
from bulletin.domain.subject_tests import Split
from bulletin.store import subject_tests
from bulletin.store.ledger import audience
from bulletin.store.tables import deliveries, subscriber_topics, subscribers, subscriptions
from bulletin.store.upsert import insert_ignoring_conflicts


@dataclass(frozen=True)
class Group:
    """Readers of the list with the same stored zone (None: the newsroom's) and time."""

    time_zone: str | None
    briefing_time: str
    readers: int


def _confirmed(list_id: int) -> Select[tuple[int]]:
    return (
        select(subscriptions.c.subscriber_id)
        .join(subscribers, subscribers.c.id == subscriptions.c.subscriber_id)
        .where(audience.confirmed_on(list_id))
    )


def groups(conn: Connection, list_id: int) -> list[Group]:
    query = (
        _confirmed(list_id)
        .with_only_columns(subscribers.c.time_zone, subscribers.c.briefing_time, func.count())
        .group_by(subscribers.c.time_zone, subscribers.c.briefing_time)
    )
    return [Group(z, t, n) for z, t, n in conn.execute(query)]


def _segment(reader: ColumnElement[int]) -> ScalarSelect[int]:
    bits = case(
        *[(subscriber_topics.c.topic == slug, bit) for slug, bit in TOPIC_BITS.items()], else_=0
    )
    return (
        select(func.coalesce(func.sum(bits), 0))
        .where(subscriber_topics.c.subscriber_id == reader)
        .scalar_subquery()
    )


def segments(conn: Connection, list_id: int) -> list[int]:
    """The distinct segments among the list's confirmed readers."""
    masks = (
        _confirmed(list_id)
        .with_only_columns(_segment(subscriptions.c.subscriber_id).label("segment"))
        .subquery()
    )
    return sorted(int(s) for s in conn.execute(select(masks.c.segment).distinct()).scalars())


def write_group(
    conn: Connection,
    *,
    campaign_id: int,
    list_id: int,
    group: Group,
    send_after: datetime,
    expires_at: datetime,
    split: Split | None = None,
) -> int:
    """Queue every confirmed, unsuppressed reader of the group; returns how many were added.

    With a subject test's `split` (for a group whose morning comes before the race
    ends), a share of the group gets a subject each at its own time and the rest wait
    for the winner (`store.subject_tests.split_columns`).

    One INSERT … SELECT … ON CONFLICT DO NOTHING: the readers are found through the
    (zone, time) index on subscribers, joined to their subscription, so each group costs
    its own size, not the list's. A reader already in the ledger (the group written
    before a crash, or by the other writer) is skipped by the ledger's unique pair as the
    row goes in, not by a NOT EXISTS per reader: on PostgreSQL that anti join read every
    row the campaign already had, for each of the edition's groups.
    """
    zone = subscribers.c.time_zone
    in_group = zone.is_(None) if group.time_zone is None else zone == group.time_zone
    reader = subscribers.c.id
    when, variant = subject_tests.split_columns(split, reader, send_after)
    rows = (
        select(
            literal(campaign_id),
            reader,
            literal(DeliveryStatus.QUEUED.value),
            when,
            literal(0),
            literal(expires_at, type_=deliveries.c.expires_at.type),
            _segment(reader),
            variant,
        )
        .join(subscriptions, subscriptions.c.subscriber_id == reader)
        .where(
            in_group,
            subscribers.c.briefing_time == group.briefing_time,
            audience.confirmed_on(list_id),
            ~audience.reader_suppressed(reader),
        )
    )
    columns = [
        "campaign_id",
        "subscriber_id",
        "status",
        "send_after",
        "attempts",
        "expires_at",
        "segment",
        "variant",
    ]
    insert = insert_ignoring_conflicts(conn, deliveries).from_select(columns, rows)
    return conn.execute(insert.execution_options(preserve_rowcount=True)).rowcount
