"""The desk's list of readers: newest first, filtered, one keyset page at a time.

There can be millions of readers, so a page is read by keyset (`id < :before`, or
`id > :after` going back towards the newest), never by OFFSET, and the count is a
bounded one: past `COUNT_CAP` matches the desk says "more than".

Search is by the start of the address key (keys are lower case, so it is case-
insensitive). On SQLite, whose comparison is bytewise, it is a range on the key, which
the key's unique index answers; on PostgreSQL it is `LIKE 'prefix%'`, exact in any
collation (a language collation may order `jane.doe` outside the range of `jane.`)
and answered by the same index when the database's collation is "C".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, func, select

from bulletin.domain.models import Subscriber
from bulletin.store.readers.lookup import _to_subscriber
from bulletin.store.tables import subscribers, subscriptions, suppressions

COUNT_CAP = 10_000


class Standing(StrEnum):
    """What the desk can filter readers by: a subscription's status, or a suppression."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Filters:
    """Which readers to list; every part optional (none lists everyone)."""

    prefix: str = ""
    list_id: int | None = None
    standing: Standing | None = None


@dataclass(frozen=True)
class Page:
    """One page of readers, newest first, and whether there are more on either side."""

    readers: list[Subscriber]
    newer: bool
    older: bool


def page(
    conn: Connection,
    filters: Filters,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int,
) -> Page:
    """Up to `limit` readers older than `before`, or the `limit` just newer than `after`."""
    query = select(subscribers).where(*_conditions(conn, filters))
    if after is not None:
        rows = list(
            conn.execute(
                query.where(subscribers.c.id > after).order_by(subscribers.c.id).limit(limit + 1)
            )
        )
        more = len(rows) > limit
        found = [_to_subscriber(row) for row in reversed(rows[:limit])]
        return Page(readers=found, newer=more, older=True)
    if before is not None:
        query = query.where(subscribers.c.id < before)
    rows = list(conn.execute(query.order_by(subscribers.c.id.desc()).limit(limit + 1)))
    found = [_to_subscriber(row) for row in rows[:limit]]
    return Page(readers=found, newer=before is not None, older=len(rows) > limit)


def count(conn: Connection, filters: Filters, *, cap: int = COUNT_CAP) -> int:
    """How many readers match, counting no further than `cap` + 1."""
    capped: Select[tuple[int]] = (
        select(subscribers.c.id).where(*_conditions(conn, filters)).limit(cap + 1)
    )
    inner = capped.subquery()
    return int(conn.execute(select(func.count()).select_from(inner)).scalar_one())


def _conditions(conn: Connection, filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.prefix:
        found += _starts_with(conn, filters.prefix)
    standing = filters.standing
    if standing is Standing.SUPPRESSED:
        found.append(exists().where(suppressions.c.address_hash == subscribers.c.address_hash))
    if filters.list_id is not None or (standing and standing is not Standing.SUPPRESSED):
        joined = [subscriptions.c.subscriber_id == subscribers.c.id]
        if filters.list_id is not None:
            joined.append(subscriptions.c.list_id == filters.list_id)
        if standing and standing is not Standing.SUPPRESSED:
            joined.append(subscriptions.c.status == standing.value)
        found.append(exists().where(and_(*joined)))
    return found


def _starts_with(conn: Connection, prefix: str) -> list[ColumnElement[bool]]:
    key = subscribers.c.address_key
    if conn.dialect.name == "postgresql":
        # A range is exact only in a bytewise collation; LIKE is exact in any.
        escaped = prefix.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        return [key.like(escaped + "%", escape="\\")]
    bound = _next_prefix(prefix)
    return [key >= prefix] if bound is None else [key >= prefix, key < bound]


def _next_prefix(prefix: str) -> str | None:
    """The least string greater than every string that starts with `prefix` (None: no bound)."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            # Surrogates cannot be stored as text: the next character after them is U+E000.
            following = 0xE000 if 0xD800 <= last + 1 <= 0xDFFF else last + 1
            return prefix[:-1] + chr(following)
        prefix = prefix[:-1]
    return None
