"""The one-line hooks use cases call, inside their own transaction, to queue a webhook event.

Each takes the connection of the transaction making the change, so the event is queued
exactly when the change commits (see `store.webhooks.outbox`). Campaign events are
queued by `store.campaigns` itself (`store.webhooks.campaign_events`).

Reader events carry the reader's address as they typed it: a CRM or a newsletter
tool on the other end knows people by their address, not by our ids, and without it
could do nothing with "reader 4711 left the breaking list". They carry no token, no
secret and no consent details (IP, browser); see docs/webhooks.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection

from bulletin.domain.webhooks import EventType, WebhookEvent, new_event
from bulletin.store import lists as list_store
from bulletin.store.readers import events as event_store
from bulletin.store.readers import subscribers as subscriber_store
from bulletin.store.readers.suppressions import ReaderSuppression
from bulletin.store.webhooks import campaign_events, outbox

EventKind = event_store.EventKind
BOUNCES = {EventKind.BOUNCE: "hard", EventKind.SOFT_BOUNCE: "soft"}


def reader_confirmed(
    conn: Connection, subscriber_id: int, list_ids: Iterable[int], *, now: datetime
) -> None:
    """The reader confirmed these lists (none: nothing happened, nothing is sent)."""
    slugs = _slugs(conn, list_ids)
    if slugs:
        _emit(conn, EventType.READER_CONFIRMED, subscriber_id, {"lists": slugs}, now=now)


def reader_unsubscribed(
    conn: Connection, subscriber_id: int, list_id: int, *, via: str, now: datetime
) -> None:
    """The reader left one list; `via` says how (link, preferences, mailto, desk, complaint…)."""
    data: dict[str, object] = {"list": list_store.by_id(conn, list_id).slug, "via": via}
    _emit(conn, EventType.READER_UNSUBSCRIBED, subscriber_id, data, now=now)


def readers_suppressed(
    conn: Connection, suppressed: Sequence[ReaderSuppression], *, now: datetime
) -> None:
    """Readers whose address went on the suppression list (the reason, never the details)."""
    readers = subscriber_store.get_many(conn, {s.subscriber_id for s in suppressed})
    events = [
        _event(
            EventType.READER_SUPPRESSED,
            readers[s.subscriber_id].id,
            readers[s.subscriber_id].email,
            {"reason": s.reason},
            now,
        )
        for s in suppressed
        if s.subscriber_id in readers
    ]
    outbox.emit(conn, events, now=now)


def mail_returned(
    conn: Connection, recorded: Iterable[event_store.Event], *, now: datetime
) -> None:
    """Bounces and complaints just recorded (a return seen again is not recorded again)."""
    events: list[WebhookEvent] = []
    for each in recorded:
        if each.subscriber_id is None or each.email is None:
            continue
        if each.kind in BOUNCES:
            data: dict[str, object] = {
                "bounce": BOUNCES[each.kind],
                "campaign_id": each.campaign_id,
            }
            events.append(_event(EventType.MAIL_BOUNCED, each.subscriber_id, each.email, data, now))
        elif each.kind is EventKind.COMPLAINT:
            data = {"campaign_id": each.campaign_id}
            events.append(
                _event(EventType.MAIL_COMPLAINED, each.subscriber_id, each.email, data, now)
            )
    outbox.emit(conn, events, now=now)


def alert_approved(conn: Connection, campaign_id: int, *, approved_by: int, now: datetime) -> None:
    campaign_events.approved(conn, campaign_id, approved_by=approved_by, now=now)


def _emit(
    conn: Connection,
    type_: EventType,
    subscriber_id: int,
    data: dict[str, object],
    *,
    now: datetime,
) -> None:
    reader = subscriber_store.get(conn, subscriber_id)
    if reader is not None:
        outbox.emit(conn, [_event(type_, reader.id, reader.email, data, now)], now=now)


def _event(
    type_: EventType, subscriber_id: int, email: str, data: dict[str, object], now: datetime
) -> WebhookEvent:
    reader = {"reader": {"id": subscriber_id, "email": email}}
    return new_event(type_, {**reader, **data}, now=now, subscriber_id=subscriber_id)


def _slugs(conn: Connection, list_ids: Iterable[int]) -> list[str]:
    wanted = set(list_ids)
    return [ml.slug for ml in list_store.all_lists(conn) if ml.id in wanted]
