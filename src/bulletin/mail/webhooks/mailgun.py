"""Mailgun's webhooks: the HMAC signature in the body, and its event-data as provider events.

Mailgun posts JSON `{"signature": {"timestamp", "token", "signature"}, "event-data":
{…}}`; the signature is the hex HMAC-SHA256 of `timestamp + token` under the
webhook signing key, compared here in constant time. A timestamp more than 15 minutes
old is refused; within the window a replay changes nothing, each event being taken
once by its event-data `id`. The original's Message-ID is the `bulletin-message-id`
user variable our Mailgun relay sets, else `message.headers.message-id`.

    failed, reason suppress-bounce, suppress-unsubscribe, suppress-complaint
                        sender: Mailgun's own suppression list refused it
    failed, reason esp-block
                        sender: Mailgun would not send it
    failed, severity permanent
                        by the delivery status's code and message (5.1.x address,
                        5.2.x mailbox, 5.7.x sender…), else unknown
    failed, severity temporary, or reason old (retried until Mailgun gave up)
                        mailbox or sender when the code or message says so, else temporary
    complained          complaint
    unsubscribed        opt_out
    delivered           delivered
    anything else       unknown (accepted, opened, clicked…)
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from bulletin.domain.errors import MalformedWebhook, WebhookRefused
from bulletin.mail.webhooks.events import (
    ProviderEvent,
    ReturnClass,
    digest,
    enhanced_code,
    failure_class,
    from_unix,
    load_json,
    text,
)

PROVIDER = "mailgun"
MAX_AGE = timedelta(minutes=15)
MESSAGE_ID_VARIABLE = "bulletin-message-id"  # the user variable our Mailgun relay sets
C = ReturnClass

SUPPRESSED = {"suppress-bounce", "suppress-unsubscribe", "suppress-complaint", "esp-block"}
SIGNATURE_FIELDS = ("timestamp", "token", "signature")
SIMPLE = {"complained": C.COMPLAINT, "unsubscribed": C.OPT_OUT, "delivered": C.DELIVERED}


def read(body: bytes, *, signing_key: str, now: datetime) -> list[ProviderEvent]:
    """The events of a body signed with `signing_key` in the last 15 minutes."""
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("event-data"), dict):
        raise MalformedWebhook("The body is not a Mailgun webhook (no event-data).")
    verify(data.get("signature"), signing_key=signing_key, now=now)
    item: dict[str, Any] = data["event-data"]
    recipient = text(item.get("recipient"))
    return [_event(item, recipient)] if recipient else []


def verify(signature: object, *, signing_key: str, now: datetime) -> None:
    """Refuse (WebhookRefused) a signature block Mailgun did not make, or an old one."""
    if not isinstance(signature, dict):
        raise WebhookRefused("The body carries no Mailgun signature.")
    timestamp, token, given = (str(signature.get(k) or "") for k in SIGNATURE_FIELDS)
    signed_at = from_unix(timestamp) if timestamp.isdigit() else None
    if signed_at is None or not token or not given:
        raise WebhookRefused("The Mailgun signature is incomplete.")
    expected = hmac.new(
        signing_key.encode(), (timestamp + token).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected.encode(), given.lower().encode()):
        raise WebhookRefused("The Mailgun signature does not match.")
    if now - signed_at > MAX_AGE or signed_at - now > MAX_AGE:
        raise WebhookRefused("The Mailgun signature is too old (or from the future).")


def _event(item: dict[str, Any], recipient: str) -> ProviderEvent:
    delivery = item.get("delivery-status")
    delivery = delivery if isinstance(delivery, dict) else {}
    words = [text(delivery.get(k)) for k in ("message", "description")]
    status = text(delivery.get("enhanced-code")) or enhanced_code(*words)
    message = item.get("message")
    headers = message.get("headers") if isinstance(message, dict) else None
    reason = text(item.get("reason"))
    diagnostic = " ".join(p for p in (reason, *words) if p)
    return ProviderEvent(
        provider=PROVIDER,
        event_id=text(item.get("id")) or digest(item),
        cls=event_class(item, status, words),
        recipient=recipient,
        status=status,
        diagnostic=diagnostic or None,
        message_id=_message_id(item, headers),
        occurred_at=from_unix(item.get("timestamp")),
    )


def _message_id(item: dict[str, Any], headers: object) -> str | None:
    """Our Message-ID: the user variable our Mailgun relay sets, else the message's header."""
    variables = item.get("user-variables")
    if isinstance(variables, dict) and text(variables.get(MESSAGE_ID_VARIABLE)):
        return text(variables.get(MESSAGE_ID_VARIABLE))
    return text(headers.get("message-id")) if isinstance(headers, dict) else None


def event_class(item: dict[str, Any], status: str | None, words: list[str | None]) -> ReturnClass:
    """The class of one Mailgun event (see the table above)."""
    kind = text(item.get("event")) or ""
    if kind in SIMPLE:
        return SIMPLE[kind]
    if kind != "failed":
        return C.UNKNOWN
    if text(item.get("reason")) in SUPPRESSED:
        return C.SENDER
    said = failure_class(status, *words)
    if item.get("severity") == "permanent" and text(item.get("reason")) != "old":
        return said or C.UNKNOWN
    return said if said in (C.MAILBOX, C.SENDER) else C.TEMPORARY
