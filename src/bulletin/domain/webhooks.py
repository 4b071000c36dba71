"""Outbound webhooks: the events other systems hear of, their bodies, and the retry rule.

An event is written once, when the change it reports commits, and delivered to every
endpoint subscribed to its type. Its body follows the Standard Webhooks payload shape
(`{"type", "timestamp", "data"}`) and is fixed at that moment: every attempt sends the
same bytes under the same `webhook-id`, so a receiver can drop a repeat by that id.
"""

from __future__ import annotations

import base64
import enum
import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta


class EventType(enum.StrEnum):
    READER_CONFIRMED = "reader.confirmed"
    READER_UNSUBSCRIBED = "reader.unsubscribed"
    READER_SUPPRESSED = "reader.suppressed"
    CAMPAIGN_STARTED = "campaign.started"
    CAMPAIGN_FINISHED = "campaign.finished"
    MAIL_BOUNCED = "mail.bounced"
    MAIL_COMPLAINED = "mail.complained"
    ALERT_APPROVED = "alert.approved"
    TEST = "test"  # the desk's "Send test event": goes to the one endpoint it was asked for


# The types an endpoint can subscribe to (a test event needs no subscription).
SUBSCRIBABLE = tuple(t for t in EventType if t is not EventType.TEST)


class DeliveryState(enum.StrEnum):
    QUEUED = "queued"  # waiting for its next attempt (or held under a lease by a sender)
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # no 2xx within RETRY_FOR: given up


@dataclass(frozen=True)
class WebhookEvent:
    id: str  # the `webhook-id`: the same on every attempt and for every endpoint
    type: EventType
    occurred_at: datetime
    data: Mapping[str, object]
    # the reader the event names, if any: kept beside the body so that erasing the reader
    # removes their events still waiting (or logged) with their address in them
    subscriber_id: int | None = None

    def body(self) -> str:
        """The request body, as signed and sent (compact JSON, keys in a stable order)."""
        document = {"type": self.type.value, "timestamp": _iso(self.occurred_at), "data": self.data}
        return json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def new_event(
    type_: EventType,
    data: Mapping[str, object],
    *,
    now: datetime,
    subscriber_id: int | None = None,
) -> WebhookEvent:
    return WebhookEvent(f"msg_{uuid.uuid4().hex}", type_, now, data, subscriber_id)


def new_secret() -> str:
    """An endpoint's signing secret in the Standard Webhooks form: `whsec_` and base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


@dataclass(frozen=True)
class Endpoint:
    """Where events go. The secret is not part of it: it is read only to sign or to reveal."""

    id: int
    url: str
    description: str
    event_types: frozenset[EventType]
    enabled: bool
    created_by: str
    created_at: datetime

    def wants(self, type_: EventType) -> bool:
        return self.enabled and type_ in self.event_types


@dataclass(frozen=True)
class DeliveryRecord:
    """One event on its way to one endpoint, as the delivery log shows it."""

    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    state: DeliveryState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None


# Retries: 30 s, doubling, at most 4 h apart, each ±20 % so that endpoints coming back
# from an outage are not hit by every retry at the same second; given up a day after
# the event.
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=4)
RETRY_FOR = timedelta(hours=24)
JITTER = 0.2


def retry_at(
    *, attempts: int, created_at: datetime, now: datetime, jitter: float
) -> datetime | None:
    """When to try again after the `attempts`-th failed attempt; None once RETRY_FOR is over.

    `jitter` is in [-1, 1] (random in the sender, fixed in tests). A retry that would come
    after the deadline comes at the deadline instead: the last try is a day after the event.
    """
    deadline = created_at + RETRY_FOR
    if now >= deadline:
        return None
    delay = min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)
    return min(now + delay * (1 + JITTER * max(-1.0, min(1.0, jitter))), deadline)


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")
