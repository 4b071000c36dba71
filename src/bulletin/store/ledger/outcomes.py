"""Recording what became of ledger rows: sent with the relay's reply, retried, or closed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import BigInteger, Connection, Text, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from bulletin.domain.models import DeliveryStatus
from bulletin.store.bulk import Prepared, db_value, execute_many
from bulletin.store.ledger.rows import by_id, one_of, status_is
from bulletin.store.tables import deliveries


def mark_sent(conn: Connection, outcomes: Sequence[tuple[int, str]], *, now: datetime) -> None:
    """Record relay acceptances: (delivery id, the relay's reply)."""
    if not outcomes:
        return
    if conn.dialect.name == "postgresql":
        # One statement for the group. psycopg runs an executemany row by row in Python,
        # holding the GIL the worker's event loop needs: at ~3,000 messages/s this was a
        # third of the worker's database time, and the server ran a statement per row.
        keys, replies = zip(*outcomes, strict=True)
        conn.execute(
            _MARK_SENT_ARRAYS, {"b_ids": list(keys), "b_replies": list(replies), "b_at": now}
        )
        return
    sent_at = db_value(conn, deliveries.c.sent_at, now)
    execute_many(
        conn,
        _MARK_SENT,
        [{"b_id": key, "b_reply": reply, "b_at": sent_at} for key, reply in outcomes],
    )


_MARK_SENT = Prepared(
    lambda: by_id().values(
        status=DeliveryStatus.SENT.value,
        sent_at=bindparam("b_at"),
        last_reply=bindparam("b_reply"),
        attempts=deliveries.c.attempts + 1,
        lease_owner=None,
        lease_until=None,
    )
)

_GIVEN = select(
    func.unnest(bindparam("b_ids", type_=ARRAY(BigInteger))).label("id"),
    func.unnest(bindparam("b_replies", type_=ARRAY(Text))).label("reply"),
).subquery("given")
_MARK_SENT_ARRAYS = (
    update(deliveries)
    .where(deliveries.c.id == _GIVEN.c.id)
    .values(
        status=DeliveryStatus.SENT.value,
        sent_at=bindparam("b_at"),
        last_reply=_GIVEN.c.reply,
        attempts=deliveries.c.attempts + 1,
        lease_owner=None,
        lease_until=None,
    )
)


def mark_final(
    conn: Connection, outcomes: Sequence[tuple[int, str]], *, status: DeliveryStatus
) -> None:
    """Record rows that will never be sent (failed, cancelled, expired) with why."""
    if outcomes:
        conn.execute(
            by_id().values(
                status=status,
                last_reply=bindparam("b_reply"),
                attempts=deliveries.c.attempts + (1 if status is DeliveryStatus.FAILED else 0),
                lease_owner=None,
                lease_until=None,
            ),
            [{"b_id": key, "b_reply": reply} for key, reply in outcomes],
        )


def mark_retry(conn: Connection, outcomes: Sequence[tuple[int, str, datetime]]) -> None:
    """Temporary failures: back in the queue, each due again at its own time."""
    if outcomes:
        conn.execute(
            by_id().values(
                status=DeliveryStatus.QUEUED,
                last_reply=bindparam("b_reply"),
                send_after=bindparam("b_at"),
                attempts=deliveries.c.attempts + 1,
                lease_owner=None,
                lease_until=None,
            ),
            [{"b_id": key, "b_reply": reply, "b_at": at} for key, reply, at in outcomes],
        )


def close_unsent(
    conn: Connection, campaign_ids: Sequence[int], *, status: DeliveryStatus, reason: str
) -> int:
    """Mark every queued row of these campaigns as never to be sent (cancel, expiry)."""
    if not campaign_ids:
        return 0
    return conn.execute(
        update(deliveries)
        .where(
            deliveries.c.campaign_id.in_(list(campaign_ids)),
            deliveries.c.status == DeliveryStatus.QUEUED,
        )
        .values(status=status, last_reply=reason)
    ).rowcount


def expire_stale(conn: Connection, *, now: datetime, reason: str, limit: int = 10_000) -> int:
    """Up to `limit` queued rows past their own expiry are marked expired, never sent late.

    In chunks, so that after a long downtime a million stale rows do not make one
    transaction that holds up every sender.
    """
    stale = (
        select(deliveries.c.id)
        .where(
            status_is(DeliveryStatus.QUEUED),
            deliveries.c.expires_at.is_not(None),
            deliveries.c.expires_at <= now,
        )
        .limit(limit)
    )
    return conn.execute(
        update(deliveries)
        .where(one_of(conn, stale), deliveries.c.status == DeliveryStatus.QUEUED)
        .values(status=DeliveryStatus.EXPIRED, last_reply=reason)
    ).rowcount
