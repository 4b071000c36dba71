"""Writing a briefing's ledger: one INSERT … SELECT per range of reader ids.

Readers who share a zone and a briefing time (a group) share a send time and an
expiry; each statement joins a range of readers to their group's times, so a million
readers are a few dozen statements, never a loop over readers. Each row carries the
reader's segment (their topics as a bit mask, see `domain.editions`) so the engine
renders once per segment. Rows already in the ledger are left alone (ON CONFLICT DO
NOTHING on the ledger's unique pair): writing a range twice queues nobody twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    ScalarSelect,
    Select,
    String,
    Subquery,
    case,
    func,
    literal,
    null,
    select,
    union_all,
)

from bulletin.domain.editions import TOPIC_BITS
from bulletin.domain.models import DeliveryStatus
from bulletin.domain.subject_tests import Split
from bulletin.store import subject_tests
from bulletin.store.ledger import audience
from bulletin.store.tables import deliveries, subscriber_topics, subscribers, subscriptions
from bulletin.store.upsert import insert_ignoring_conflicts

# Reader ids per statement (and per transaction): about a second's writing on PostgreSQL,
# half that on SQLite, where a writer holds up every claim while it writes.
RANGE = 25_000
_INT4 = 2**31


@dataclass(frozen=True)
class Group:
    """Readers of the list with the same stored zone (None: the newsroom's) and time."""

    time_zone: str | None
    briefing_time: str
    readers: int


@dataclass(frozen=True)
class GroupSend:
    """When a group's rows fall due and when they go stale (its readers' local times)."""

    group: Group
    send_after: datetime
    expires_at: datetime


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


def ranges(conn: Connection, list_id: int, *, width: int | None = None) -> list[tuple[int, int]]:
    """(after, upto] ranges of reader ids covering the list's confirmed readers.

    Aligned on multiples of `width` (range k is k·width < id ≤ (k+1)·width), so every
    writer of an edition cuts the list the same way and their turns (`take_turn`) meet.
    `width` is `RANGE` unless given.
    """
    width = width or RANGE
    lowest, highest = conn.execute(
        select(
            func.min(subscriptions.c.subscriber_id), func.max(subscriptions.c.subscriber_id)
        ).where(audience.confirmed_on(list_id))
    ).one()
    if lowest is None:
        return []
    first, last = (lowest - 1) // width, (highest - 1) // width
    return [(k * width, (k + 1) * width) for k in range(first, last + 1)]


def take_turn(conn: Connection, *, campaign_id: int, after: int) -> None:
    """Wait until no other transaction is writing this range of this campaign's ledger.

    Two writers of one edition (the scheduler, an editor's `send`) take turns per range,
    so the second sees the first's rows and adds none rather than colliding on them
    (two inserts of the same rows in different orders could deadlock), while one
    writer's own connections, on different ranges, never wait for each other. A
    PostgreSQL advisory lock of the transaction, in the two-key space (the leader's
    locks use the one-key space, so never meet these); SQLite has one writer anyway.
    Keys are taken modulo 2³¹: two ranges that share a key only take turns.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(campaign_id % _INT4, after % _INT4)))


def _sends(
    sends: Sequence[GroupSend], *, newsroom_zone: str | None, split: Split | None
) -> Subquery:
    """The edition's groups as rows, earliest first, to join readers to: (zone, time,
    send_after, expires_at, raced, held_until); the newsroom's zone (a reader's NULL) is
    `newsroom_zone`. With a subject test, a group whose morning comes before the race
    ends is raced, and its readers outside the race are held until it ends."""
    at_type = deliveries.c.send_after.type
    in_order = sorted(sends, key=lambda s: (s.send_after, s.expires_at))
    by_key = {(s.group.time_zone or newsroom_zone, s.group.briefing_time): s for s in in_order}
    rows = []
    for (zone, at), s in by_key.items():
        raced = split is not None and s.send_after < split.decide_at
        held_until = max(split.decide_at, s.send_after) if split is not None and raced else None
        rows.append(
            select(
                literal(zone, type_=String).label("zone"),
                literal(at, type_=String).label("at"),
                literal(s.send_after, type_=at_type).label("send_after"),
                literal(s.expires_at, type_=deliveries.c.expires_at.type).label("expires_at"),
                literal(raced).label("raced"),
                literal(held_until or s.send_after, type_=at_type).label("held_until"),
            )
        )
    return union_all(*rows).subquery("sends")


def _raced(
    split: Split | None, reader: ColumnElement[int], by_send: Subquery
) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """Each row's (send_after, variant): its group's time and no subject without a test;
    in a raced group the test's readers (`store.subject_tests.split_columns`, which
    gives them a subject and everyone else none) go at it, the rest when the race ends."""
    if split is None:
        return by_send.c.send_after, null()
    # Only its subject is taken: whether a reader is raced, and with what, depends on
    # the reader alone; their times are the group's, from `by_send`.
    _, subject = subject_tests.split_columns(split, reader, split.decide_at)
    variant = case((by_send.c.raced == literal(True), subject), else_=null())
    when = case((variant.is_(None), by_send.c.held_until), else_=by_send.c.send_after)
    return when, variant


def write_range(
    conn: Connection,
    *,
    campaign_id: int,
    list_id: int,
    sends: Sequence[GroupSend],
    after: int,
    upto: int,
    split: Split | None = None,
) -> int:
    """Queue every confirmed, unsuppressed reader with an id in (after, upto] whose group
    is in `sends`, at their group's times; returns how many were added.

    One INSERT … SELECT … ON CONFLICT DO NOTHING per range of ids, each reader joined to
    their group's send: the range reads its readers, their subscriptions and topics
    once, where group by group each of the 48 groups of a million readers in 24 zones
    read most of the subscribers' pages (and, on PostgreSQL, every subscription) again.
    Within the range each group's rows go in together, so the rows one send claims and
    one expiry sweeps sit together in the ledger (runs of hundreds), not one in every
    few dozen rows of the table. A reader already in the ledger (the range written
    before a crash, or by the other writer) is skipped by the ledger's unique pair.
    With a subject test's `split`, groups whose morning comes before the race ends are
    raced (`_raced`).

    On PostgreSQL the join is one equality a hash can take (the newsroom's zone as "":
    `IS NOT DISTINCT FROM` cannot, and each reader was compared with every group of
    their time; a stored "" falls back to the newsroom's zone as NULL does, so the two
    are one group), and the rows are sorted by send. On SQLite `IS` takes the (zone,
    time) index with the id range, group after group in send order, so the rows come
    out in that order without a sort.
    """
    if not sends:
        return 0
    on_postgresql = conn.dialect.name == "postgresql"
    by_send = _sends(sends, newsroom_zone="" if on_postgresql else None, split=split)
    zone, reader = subscribers.c.time_zone, subscribers.c.id
    same_zone = (
        func.coalesce(zone, "") == by_send.c.zone if on_postgresql else zone.is_(by_send.c.zone)
    )
    when, variant = _raced(split, reader, by_send)
    rows = (
        select(
            literal(campaign_id),
            reader,
            literal(DeliveryStatus.QUEUED.value),
            when,
            literal(0),
            by_send.c.expires_at,
            _segment(reader),
            variant,
        )
        .join(by_send, same_zone & (subscribers.c.briefing_time == by_send.c.at))
        .join(subscriptions, subscriptions.c.subscriber_id == reader)
        .where(
            reader > after,
            reader <= upto,
            audience.confirmed_on(list_id),
            ~audience.reader_suppressed(reader),
        )
    )
    if on_postgresql:
        rows = rows.order_by(by_send.c.send_after, by_send.c.expires_at, reader)
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
