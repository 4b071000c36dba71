"""campaign.started, campaign.finished and alert.approved, queued where a campaign's status changes.

A campaign starts and finishes in several places above the store — an alert sent or
approved (services), a special report's time or a briefing edition queued (the
scheduler, in delivery, which may not reach services) — but every one of them goes
through `store.campaigns`, so the events are queued there, in the same statement's
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Row, func, select

from bulletin.domain.models import CampaignStatus, DeliveryStatus
from bulletin.domain.webhooks import EventType, WebhookEvent, new_event
from bulletin.store.tables import campaigns, deliveries, lists
from bulletin.store.webhooks import outbox

FINISHED = {CampaignStatus.SENT, CampaignStatus.CANCELLED}


def started(conn: Connection, campaign_ids: Sequence[int], *, now: datetime) -> None:
    outbox.emit(
        conn,
        [_event(EventType.CAMPAIGN_STARTED, r, now) for r in _rows(conn, campaign_ids)],
        now=now,
    )


def finished(conn: Connection, campaign_ids: Sequence[int], *, now: datetime) -> None:
    """Only campaigns that had started: a draft cancelled before it went out finished nothing."""
    rows = [r for r in _rows(conn, campaign_ids) if r.started_at is not None]
    sent = _message_counts(conn, [r.id for r in rows])
    outbox.emit(
        conn,
        [_event(EventType.CAMPAIGN_FINISHED, r, now, sent.get(int(r.id), {})) for r in rows],
        now=now,
    )


def status_changed(
    conn: Connection, campaign_id: int, to: CampaignStatus, *, now: datetime | None
) -> None:
    """The hook of `campaigns.change_status`: a campaign that is over has finished."""
    if to in FINISHED and now is not None:
        finished(conn, [campaign_id], now=now)


def approved(conn: Connection, campaign_id: int, *, approved_by: int, now: datetime) -> None:
    for row in _rows(conn, [campaign_id]):
        event = _event(EventType.ALERT_APPROVED, row, now)
        data = {**event.data, "approved_by": {"editor_id": approved_by}}
        outbox.emit(conn, [WebhookEvent(event.id, event.type, now, data)], now=now)


def _rows(conn: Connection, campaign_ids: Sequence[int]) -> list[Row]:
    if not campaign_ids:
        return []
    return list(
        conn.execute(
            select(
                campaigns.c.id,
                campaigns.c.kind,
                campaigns.c.status,
                campaigns.c.status_reason,
                campaigns.c.subject,
                campaigns.c.headline,
                campaigns.c.url,
                campaigns.c.parent_id,
                campaigns.c.started_at,
                lists.c.slug,
            )
            .join(lists, lists.c.id == campaigns.c.list_id)
            .where(campaigns.c.id.in_(sorted(set(campaign_ids))))
            .order_by(campaigns.c.id)
        )
    )


def _message_counts(conn: Connection, campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    if not campaign_ids:
        return {}
    rows = conn.execute(
        select(deliveries.c.campaign_id, deliveries.c.status, func.count())
        .where(
            deliveries.c.campaign_id.in_(campaign_ids),
            # the outcomes that are final when the status changes (a cancel closes the
            # queued rows after it, and rows in flight finish later)
            deliveries.c.status.in_([DeliveryStatus.SENT, DeliveryStatus.FAILED]),
        )
        .group_by(deliveries.c.campaign_id, deliveries.c.status)
    )
    found: dict[int, dict[str, int]] = {}
    for campaign_id, status, n in rows:
        found.setdefault(int(campaign_id), {})[str(status)] = int(n)
    return found


def _event(
    type_: EventType, row: Row, now: datetime, messages: dict[str, int] | None = None
) -> WebhookEvent:
    data: dict[str, object] = {
        "campaign": {
            "id": int(row.id),
            "kind": row.kind,
            "list": row.slug,
            "subject": row.subject,
            "headline": row.headline,
            "url": row.url,
            "follows": row.parent_id,
        },
        "started_at": _iso(row.started_at),
    }
    if type_ is EventType.CAMPAIGN_FINISHED:
        data["status"] = str(row.status)
        data["reason"] = row.status_reason
        data["messages"] = {"sent": 0, "failed": 0, **(messages or {})}
    return new_event(type_, data, now=now)


def _iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None
