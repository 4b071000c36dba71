"""Claiming due ledger rows for a worker, giving them back, and sweeping dead leases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Select, and_, bindparam, or_, select, update

from bulletin.domain.ledger import DueDelivery
from bulletin.domain.models import DeliveryStatus, SubscriptionStatus
from bulletin.store.bulk import Prepared, db_value, execute_rows
from bulletin.store.ledger.rows import one_of, status_is
from bulletin.store.tables import campaigns, deliveries, subscribers, subscriptions, suppressions


def claim(
    conn: Connection,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    campaign_ids: Sequence[int],
) -> list[DueDelivery]:
    """Take up to `limit` due rows of these (running) campaigns for this worker.

    `owner` must be unique to this claim (the engine adds a sequence number): the rows
    are read back by it, which is cheaper than carrying their ids through RETURNING.
    """
    if not campaign_ids:
        return []
    until = now + lease
    left = limit
    # One campaign at a time, lowest id first (the order the rows would be taken in
    # anyway): with a single campaign_id and status, both SQLite and PostgreSQL read
    # the due rows in order from (campaign, status, send_after, id) and stop after
    # `limit`. Over an IN list of campaigns they would read and sort every queued row
    # of them for each claim (about 0.3 s a claim with a million queued).
    for campaign_id in sorted(campaign_ids):
        left -= _claim_from(conn, campaign_id, owner=owner, now=now, until=until, limit=left)
        if left <= 0:
            break
    return _claimed(conn, owner, until)


def _claim_from(
    conn: Connection, campaign_id: int, *, owner: str, now: datetime, until: datetime, limit: int
) -> int:
    due = (
        select(deliveries.c.id)
        .where(
            deliveries.c.campaign_id == campaign_id,
            deliveries.c.status == DeliveryStatus.QUEUED,
            deliveries.c.send_after <= now,
            or_(deliveries.c.expires_at.is_(None), deliveries.c.expires_at > now),
        )
        .order_by(deliveries.c.send_after, deliveries.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return conn.execute(
        update(deliveries)
        .where(one_of(conn, due))
        .values(status=DeliveryStatus.SENDING, lease_owner=owner, lease_until=until)
    ).rowcount


def _claimed_query() -> Select[
    tuple[int, int, int, str, int, bool, datetime | None, int | None, int | None]
]:
    # Suppressed since the fan-out (a hard bounce, a complaint, the desk): not sent either,
    # so a dead address queued for tomorrow's briefing never gets it.
    still = and_(
        subscriptions.c.status == SubscriptionStatus.CONFIRMED,
        suppressions.c.address_hash.is_(None),
    )
    return (
        select(
            deliveries.c.id,
            deliveries.c.campaign_id,
            deliveries.c.subscriber_id,
            subscribers.c.email,
            deliveries.c.attempts,
            still.label("still_subscribed"),
            deliveries.c.expires_at,
            deliveries.c.segment,
            deliveries.c.variant,
        )
        # Outer: a row whose reader was erased (no subscriber) is claimed, and cancelled.
        .outerjoin(subscribers, subscribers.c.id == deliveries.c.subscriber_id)
        .outerjoin(suppressions, suppressions.c.address_hash == subscribers.c.address_hash)
        .outerjoin(
            subscriptions,
            and_(
                subscriptions.c.subscriber_id == deliveries.c.subscriber_id,
                subscriptions.c.list_id == _campaign_list(),
            ),
        )
        .where(
            status_is(DeliveryStatus.SENDING),
            deliveries.c.lease_until == bindparam("b_until"),
            deliveries.c.lease_owner == bindparam("b_owner"),
        )
        .order_by(deliveries.c.id)
    )


_CLAIMED = Prepared(_claimed_query)


def _claimed(conn: Connection, owner: str, until: datetime) -> list[DueDelivery]:
    rows = execute_rows(
        conn,
        _CLAIMED,
        {"b_owner": owner, "b_until": db_value(conn, deliveries.c.lease_until, until)},
    )
    # Raw driver values: SQLite hands back text, so the column type turns them into times.
    column_type = deliveries.c.expires_at.type.dialect_impl(conn.dialect)
    to_time = column_type.result_processor(conn.dialect, None) or (lambda v: v)
    return [
        # A row with no reader (erased since the fan-out) has no subscription either, so
        # it comes back not subscribed (f) and the engine cancels it, sending nothing.
        DueDelivery(a, b, c or 0, d or "", e, bool(f), None if g is None else to_time(g), h, i)
        for a, b, c, d, e, f, g, h, i in rows
    ]


def _campaign_list() -> ColumnElement[int]:
    return (
        select(campaigns.c.list_id)
        .where(campaigns.c.id == deliveries.c.campaign_id)
        .scalar_subquery()
    )


def release(conn: Connection, ids: Sequence[int]) -> None:
    """Give claimed rows back untouched (a worker shutting down before sending them)."""
    if ids:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(list(ids)), deliveries.c.status == DeliveryStatus.SENDING)
            .values(status=DeliveryStatus.QUEUED, lease_owner=None, lease_until=None)
        )


def renew(conn: Connection, *, worker: str, now: datetime, until: datetime) -> int:
    """Extend to `until` every lease of this worker's claims (owners `worker#n`).

    One statement per worker, however many claims it holds: it reads the few rows
    leased at all (the partial index on `lease_until`) and keeps those whose owner is
    ours. A lease that ran out while the database was away is taken back too: until the
    sweep clears its owner nobody else can have the row, and once it has, it is not ours.
    """
    return conn.execute(
        update(deliveries)
        .where(
            status_is(DeliveryStatus.SENDING),
            deliveries.c.lease_until.is_not(None),  # the partial index's range, not a scan
            deliveries.c.lease_owner.startswith(f"{worker}#", autoescape=True),
        )
        .values(lease_until=until)
    ).rowcount


def sweep_expired_leases(conn: Connection, *, now: datetime) -> int:
    """Rows whose worker vanished go back to the queue."""
    return conn.execute(
        update(deliveries)
        .where(status_is(DeliveryStatus.SENDING), deliveries.c.lease_until < now)
        .values(status=DeliveryStatus.QUEUED, lease_owner=None, lease_until=None)
    ).rowcount
