"""Merging readers who are one address spelt twice, for migration 0010 (kept as it ran).

One reader survives per address key: the oldest (first signed up, then lowest id).
The others' rows move to it, and where the two cannot both be kept the rules are:

- a list: unsubscribed if either left it (the unsubscribe wins), else confirmed if
  either confirmed, else pending; joined at the earliest, confirmed at the earliest,
  left at the latest;
- a campaign's ledger row: one per campaign, the one that says most about what the
  reader got (sent, in flight, queued, failed, expired, cancelled, in that order; the
  survivor's on a tie); the others are dropped, and the audit row lists them;
- topics: every topic either followed; consent records, returned-mail events and
  queued confirmations: all kept, re-pointed;
- the reader: the survivor's address as typed; confirmed at the earliest; the
  survivor's time zone and briefing time unless it never gave a zone.

Each merge writes an audit-log row (ids only, no address) and an alias (old id →
survivor, with the fingerprint our links carry), so unsubscribe links in mail sent to
the merged-away id keep working.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bulletin.store.types import BigId, UtcDateTime

CHUNK = 500
# Best first: a sent row is kept over a queued one, so nobody gets the message twice.
LEDGER_RANK = {"sent": 0, "sending": 1, "queued": 2, "failed": 3, "expired": 4, "cancelled": 5}
TEMPORARY_INDEX = "ix_deliveries_subscriber_id_merging"

subscribers = sa.table(
    "subscribers",
    sa.column("id", BigId),
    sa.column("email", sa.String),
    sa.column("address_key", sa.String),
    sa.column("created_at", UtcDateTime),
    sa.column("confirmed_at", UtcDateTime),
    sa.column("confirmation_sent_at", UtcDateTime),
    sa.column("time_zone", sa.String),
    sa.column("briefing_time", sa.String),
)
subscriptions = sa.table(
    "subscriptions",
    sa.column("subscriber_id", BigId),
    sa.column("list_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("created_at", UtcDateTime),
    sa.column("confirmed_at", UtcDateTime),
    sa.column("unsubscribed_at", UtcDateTime),
)
topics = sa.table(
    "subscriber_topics",
    sa.column("subscriber_id", BigId),
    sa.column("topic", sa.String),
    sa.column("created_at", UtcDateTime),
)
deliveries = sa.table(
    "deliveries",
    sa.column("id", BigId),
    sa.column("campaign_id", BigId),
    sa.column("subscriber_id", BigId),
    sa.column("status", sa.String),
)
aliases = sa.table(
    "subscriber_aliases",
    sa.column("old_id", BigId),
    sa.column("subscriber_id", BigId),
    sa.column("address_fingerprint", sa.String),
    sa.column("merged_at", UtcDateTime),
)
audit_log = sa.table(
    "audit_log",
    sa.column("occurred_at", UtcDateTime),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("target_type", sa.String),
    sa.column("target_id", sa.String),
    sa.column("detail", sa.JSON),
)
lists = sa.table("lists", sa.column("id", sa.Integer), sa.column("slug", sa.String))
REPOINTED = [
    sa.table(name, sa.column("subscriber_id", BigId))
    for name in ("consent_records", "events", "outbox")
]


@dataclass(frozen=True)
class Group:
    """One address key's readers: the survivor and the readers merged into it."""

    survivor: sa.Row[Any]
    others: list[sa.Row[Any]]

    @property
    def everyone(self) -> list[sa.Row[Any]]:
        return [self.survivor, *self.others]


def merge_readers(conn: sa.Connection, *, now: datetime) -> int:
    """Merge every address key's readers into one; returns how many readers were merged away."""
    groups = _groups(conn)
    if not groups:
        return 0
    conn.execute(
        aliases.insert(),
        [
            {
                "old_id": other.id,
                "subscriber_id": group.survivor.id,
                "address_fingerprint": _fingerprint(other.email),
                "merged_at": now,
            }
            for group in groups
            for other in group.others
        ],
    )
    # The ledger has no index by reader (fan-outs write it by campaign); one for the
    # length of the merge spares a scan of it for every reader moved or deleted.
    conn.exec_driver_sql(f"CREATE INDEX {TEMPORARY_INDEX} ON deliveries (subscriber_id)")
    dropped = _merge_ledger(conn)
    for table in REPOINTED:
        _repoint(conn, table)
    slugs = {row.id: row.slug for row in conn.execute(sa.select(lists.c.id, lists.c.slug))}
    for group in groups:
        statuses = _merge_subscriptions(conn, group)
        _merge_topics(conn, group)
        _merge_reader(conn, group)
        conn.execute(
            audit_log.insert().values(
                occurred_at=now,
                actor="migration 0010",
                action="subscriber.merge",
                target_type="subscriber",
                target_id=str(group.survivor.id),
                detail={
                    "merged": [other.id for other in group.others],
                    "lists": {slugs.get(lid, str(lid)): st for lid, st in statuses.items()},
                    "ledger_rows_dropped": dropped.get(group.survivor.id, []),
                },
            )
        )
    gone = [other.id for group in groups for other in group.others]
    for start in range(0, len(gone), CHUNK):
        conn.execute(subscribers.delete().where(subscribers.c.id.in_(gone[start : start + CHUNK])))
    conn.exec_driver_sql(f"DROP INDEX {TEMPORARY_INDEX}")
    return len(gone)


def _groups(conn: sa.Connection) -> list[Group]:
    keys = list(
        conn.execute(
            sa.select(subscribers.c.address_key)
            .group_by(subscribers.c.address_key)
            .having(sa.func.count() > 1)
        ).scalars()
    )
    groups: list[Group] = []
    for start in range(0, len(keys), CHUNK):
        rows = conn.execute(
            sa.select(subscribers)
            .where(subscribers.c.address_key.in_(keys[start : start + CHUNK]))
            .order_by(subscribers.c.address_key, subscribers.c.created_at, subscribers.c.id)
        ).all()
        by_key: dict[str, list[sa.Row[Any]]] = {}
        for row in rows:
            by_key.setdefault(row.address_key, []).append(row)
        groups.extend(Group(found[0], found[1:]) for found in by_key.values())
    return groups


def _merge_ledger(conn: sa.Connection) -> dict[int, list[dict[str, Any]]]:
    """One ledger row per (survivor, campaign); the rest dropped, the moved rows re-pointed.

    Returns the dropped rows per survivor, for the audit log.
    """
    moved = sa.select(
        deliveries.c.id, deliveries.c.campaign_id, aliases.c.subscriber_id, deliveries.c.status
    ).join(aliases, aliases.c.old_id == deliveries.c.subscriber_id)
    own = sa.select(
        deliveries.c.id, deliveries.c.campaign_id, deliveries.c.subscriber_id, deliveries.c.status
    ).where(deliveries.c.subscriber_id.in_(sa.select(aliases.c.subscriber_id)))
    rows: dict[tuple[int, int], list[tuple[int, int, int, str]]] = {}
    for is_moved, query in ((1, moved), (0, own)):
        for row_id, campaign, survivor, status in conn.execute(query):
            rank = LEDGER_RANK.get(status, len(LEDGER_RANK))
            rows.setdefault((survivor, campaign), []).append((rank, is_moved, row_id, status))
    dropped: dict[int, list[dict[str, Any]]] = {}
    losers: list[int] = []
    for (survivor, campaign), found in rows.items():
        for _, _, row_id, status in sorted(found)[1:]:
            losers.append(row_id)
            dropped.setdefault(survivor, []).append({"campaign": campaign, "status": status})
    for start in range(0, len(losers), CHUNK):
        conn.execute(deliveries.delete().where(deliveries.c.id.in_(losers[start : start + CHUNK])))
    _repoint(conn, deliveries)
    return dropped


def _repoint(conn: sa.Connection, table: sa.TableClause) -> None:
    """Rows of merged-away readers now belong to their survivor."""
    survivor = (
        sa.select(aliases.c.subscriber_id)
        .where(aliases.c.old_id == table.c.subscriber_id)
        .scalar_subquery()
    )
    conn.execute(
        table.update()
        .where(table.c.subscriber_id.in_(sa.select(aliases.c.old_id)))
        .values(subscriber_id=survivor)
    )


def _merge_subscriptions(conn: sa.Connection, group: Group) -> dict[int, str]:
    """Each list once, the unsubscribe winning; returns {list id: merged status}."""
    ids = [reader.id for reader in group.everyone]
    rows = conn.execute(sa.select(subscriptions).where(subscriptions.c.subscriber_id.in_(ids)))
    per_list: dict[int, list[sa.Row[Any]]] = {}
    for row in rows:
        per_list.setdefault(row.list_id, []).append(row)
    conn.execute(subscriptions.delete().where(subscriptions.c.subscriber_id.in_(ids)))
    merged = [_merged_subscription(group.survivor.id, found) for found in per_list.values()]
    if merged:
        conn.execute(subscriptions.insert(), merged)
    return {row["list_id"]: row["status"] for row in merged}


def _merged_subscription(survivor: int, found: Sequence[sa.Row[Any]]) -> dict[str, Any]:
    statuses = {row.status for row in found}
    status = next(s for s in ("unsubscribed", "confirmed", "pending") if s in statuses)
    confirmed = [row.confirmed_at for row in found if row.confirmed_at is not None]
    left = [row.unsubscribed_at for row in found if row.unsubscribed_at is not None]
    return {
        "subscriber_id": survivor,
        "list_id": found[0].list_id,
        "status": status,
        "created_at": min(row.created_at for row in found),
        "confirmed_at": min(confirmed) if confirmed else None,
        "unsubscribed_at": max(left) if status == "unsubscribed" and left else None,
    }


def _merge_topics(conn: sa.Connection, group: Group) -> None:
    ids = [reader.id for reader in group.everyone]
    followed = conn.execute(
        sa.select(topics.c.topic, sa.func.min(topics.c.created_at))
        .where(topics.c.subscriber_id.in_(ids))
        .group_by(topics.c.topic)
    ).all()
    conn.execute(topics.delete().where(topics.c.subscriber_id.in_(ids)))
    if followed:
        conn.execute(
            topics.insert(),
            [
                {"subscriber_id": group.survivor.id, "topic": topic, "created_at": at}
                for topic, at in followed
            ],
        )


def _merge_reader(conn: sa.Connection, group: Group) -> None:
    survivor = group.survivor
    confirmed = [r.confirmed_at for r in group.everyone if r.confirmed_at is not None]
    asked = [r.confirmation_sent_at for r in group.everyone if r.confirmation_sent_at is not None]
    schedule = next((r for r in group.everyone if r.time_zone is not None), survivor)
    conn.execute(
        subscribers.update()
        .where(subscribers.c.id == survivor.id)
        .values(
            confirmed_at=min(confirmed) if confirmed else None,
            confirmation_sent_at=max(asked) if asked else None,
            time_zone=schedule.time_zone,
            briefing_time=schedule.briefing_time,
        )
    )


def _fingerprint(email: str) -> str:
    """The address fingerprint our confirmation and preference links carry
    (`mail.tokens.address_hash`, as it was when this migration was written)."""
    return hashlib.sha256(email.encode()).hexdigest()[:16]
