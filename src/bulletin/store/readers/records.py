"""One reader's whole record, for their data rights: read it all, or erase it.

Erasure removes what names the reader and keeps what the newsroom must go on knowing:
their ledger rows still count in each campaign's figures but name no one (and any
still queued are cancelled), their returned-mail events keep their kind and campaign
but lose the address, and their suppression, if any, stays as the keyed hash it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Table, bindparam, delete, select, update

from bulletin.domain.models import DeliveryStatus
from bulletin.store.tables import (
    campaigns,
    consent_records,
    deliveries,
    events,
    link_clickers,
    lists,
    outbox,
    subscriber_aliases,
    subscriber_topics,
    subscribers,
    subscriptions,
    suppressions,
    webhook_deliveries,
)

ERASED = "[erased]"
NOT_SENT = "not sent: the reader was erased"


@dataclass(frozen=True)
class Erased:
    """What an erasure changed: rows unlinked or removed, and whether a suppression stays."""

    address_hash: str
    ledger_rows: int
    cancelled: int
    events: int
    suppressed: bool


def reader(conn: Connection, subscriber_id: int) -> dict[str, Any] | None:
    """The reader's row as stored."""
    row = conn.execute(select(subscribers).where(subscribers.c.id == subscriber_id)).one_or_none()
    return dict(row._mapping) if row else None


def consent(conn: Connection, subscriber_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(consent_records, lists.c.slug.label("list"))
        .outerjoin(lists, lists.c.id == consent_records.c.list_id)
        .where(consent_records.c.subscriber_id == subscriber_id)
        .order_by(consent_records.c.id)
    )
    return [_without(row._mapping, "id", "subscriber_id", "list_id") for row in rows]


def sends(conn: Connection, subscriber_id: int) -> list[dict[str, Any]]:
    """Every ledger row of the reader, oldest first (all of them: this is their record)."""
    rows = conn.execute(
        select(
            deliveries.c.campaign_id,
            campaigns.c.kind,
            campaigns.c.subject,
            deliveries.c.status,
            deliveries.c.attempts,
            deliveries.c.send_after,
            deliveries.c.sent_at,
            deliveries.c.last_reply,
        )
        .join(campaigns, campaigns.c.id == deliveries.c.campaign_id)
        .where(deliveries.c.subscriber_id == subscriber_id)
        .order_by(deliveries.c.id)
    )
    return [dict(row._mapping) for row in rows]


def returned_mail(conn: Connection, subscriber_id: int) -> list[dict[str, Any]]:
    """The reader's events: bounces, complaints, unsubscribes from a campaign's link."""
    rows = conn.execute(
        select(
            events.c.occurred_at,
            events.c.kind,
            events.c.campaign_id,
            events.c.email,
            events.c.detail,
        )
        .where(events.c.subscriber_id == subscriber_id)
        .order_by(events.c.id)
    )
    return [dict(row._mapping) for row in rows]


def erase(conn: Connection, subscriber_id: int) -> Erased | None:
    """Remove the reader and everything that names them; None if there is no such reader."""
    row = conn.execute(
        select(subscribers.c.address_key, subscribers.c.address_hash).where(
            subscribers.c.id == subscriber_id
        )
    ).one_or_none()
    if row is None:
        return None
    scrub = _scrubber(row.address_key)
    mine = deliveries.c.subscriber_id == subscriber_id
    cancelled = conn.execute(
        update(deliveries)
        .where(mine, deliveries.c.status == DeliveryStatus.QUEUED)
        .values(status=DeliveryStatus.CANCELLED, last_reply=NOT_SENT)
    ).rowcount
    _scrub_column(conn, deliveries, deliveries.c.last_reply, mine, scrub)
    ledger_rows = conn.execute(update(deliveries).where(mine).values(subscriber_id=None)).rowcount
    theirs = events.c.subscriber_id == subscriber_id
    _scrub_column(conn, events, events.c.detail, theirs, scrub)
    event_rows = conn.execute(
        update(events).where(theirs).values(subscriber_id=None, email=None)
    ).rowcount
    # Their clicks stay counted (by keyed hash), no longer theirs.
    conn.execute(
        update(link_clickers)
        .where(link_clickers.c.subscriber_id == subscriber_id)
        .values(subscriber_id=None)
    )
    suppression = suppressions.c.address_hash == row.address_hash
    _scrub_column(conn, suppressions, suppressions.c.detail, suppression, scrub)
    readers_rows = (outbox, consent_records, subscriber_topics, subscriptions, subscriber_aliases)
    for table in (*readers_rows, webhook_deliveries):  # webhooks: their address in the body
        conn.execute(delete(table).where(table.c.subscriber_id == subscriber_id))
    conn.execute(delete(subscribers).where(subscribers.c.id == subscriber_id))
    suppressed = conn.execute(select(suppressions.c.id).where(suppression)).first()
    return Erased(
        address_hash=row.address_hash,
        ledger_rows=ledger_rows,
        cancelled=cancelled,
        events=event_rows,
        suppressed=suppressed is not None,
    )


def _scrubber(key: str) -> re.Pattern[str]:
    # The key is the address in lower case: this finds it in any letter case.
    return re.compile(re.escape(key), re.IGNORECASE)


def _scrub_column(
    conn: Connection,
    table: Table,
    column: Column[str],
    where: ColumnElement[bool],
    pattern: re.Pattern[str],
) -> None:
    """Replace the address wherever it appears in this text column of the chosen rows
    (a relay's reply or a bounce report often quotes it)."""
    rows = conn.execute(select(table.c.id, column).where(where, column.is_not(None))).all()
    changed = [
        {"b_id": row_id, "b_text": pattern.sub(ERASED, text)}
        for row_id, text in rows
        if pattern.search(text)
    ]
    if changed:
        conn.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({column.name: bindparam("b_text")}),
            changed,
        )


def _without(mapping: Any, *names: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in names}
