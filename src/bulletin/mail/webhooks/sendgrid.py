"""SendGrid's Event Webhook: its ECDSA signature, and its events as provider events.

With "Signed Event Webhook Requests" on, SendGrid signs `timestamp + raw body` with
ECDSA (P-256, SHA-256) and sends the base64 signature and the timestamp in the
`X-Twilio-Email-Event-Webhook-Signature` and `-Timestamp` headers; the verification
key it shows is base64 DER (SubjectPublicKeyInfo). A timestamp more than 15 minutes
old is refused, so a captured request cannot be replayed later; within the window a
replay changes nothing, each event being taken once by its `sg_event_id`. The
original's Message-ID is the `bulletin_message_id` custom arg our SendGrid relay sets
(SendGrid posts custom args back in every event), else the event's `smtp-id`.

The body is a JSON array of events:

    bounce (type bounce or blocked), by bounce_classification:
        Invalid Address                         address
        Mailbox Unavailable                     mailbox
        Technical Failure                       temporary
        Content, Reputation, Frequency or Volume Too High
                                                sender
        Unclassified or none                    by the status code and reason, else
                                                temporary (blocked), unknown (bounce)
    dropped                 sender (SendGrid's own suppression lists, our content or
                            headers); reason Invalid (a malformed address): address
    deferred                temporary (mailbox or sender when the response says so)
    delivered               delivered
    spamreport              complaint
    unsubscribe, group_unsubscribe
                            opt_out
    anything else           unknown (processed, open, click…)
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bulletin.domain.errors import ConfigurationError, MalformedWebhook, WebhookRefused
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

PROVIDER = "sendgrid"
SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
MESSAGE_ID_ARG = "bulletin_message_id"  # the custom arg our SendGrid relay sets
MAX_AGE = timedelta(minutes=15)
C = ReturnClass

CLASSIFICATIONS = {
    "invalid address": C.ADDRESS,
    "mailbox unavailable": C.MAILBOX,
    "technical failure": C.TEMPORARY,
    "content": C.SENDER,
    "reputation": C.SENDER,
    "frequency or volume too high": C.SENDER,
}
SIMPLE = {
    "delivered": C.DELIVERED,
    "spamreport": C.COMPLAINT,
    "unsubscribe": C.OPT_OUT,
    "group_unsubscribe": C.OPT_OUT,
}


def public_key(key_text: str) -> ec.EllipticCurvePublicKey:
    """The verification key as SendGrid shows it (base64 DER); ConfigurationError if not."""
    try:
        key = serialization.load_der_public_key(base64.b64decode(key_text, validate=True))
    except (ValueError, binascii.Error, TypeError):
        key = None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ConfigurationError(
            "BULLETIN_SENDGRID_WEBHOOK_KEY must be the verification key SendGrid shows "
            "(base64, an elliptic-curve public key)."
        )
    return key


def verify(
    body: bytes,
    *,
    signature: str | None,
    timestamp: str | None,
    key: ec.EllipticCurvePublicKey,
    now: datetime,
) -> None:
    """Refuse (WebhookRefused) a body not signed by SendGrid in the last 15 minutes."""
    if not signature or not timestamp:
        raise WebhookRefused("The request carries no SendGrid signature.")
    signed_at = from_unix(timestamp) if timestamp.isdigit() else None
    if signed_at is None:
        raise WebhookRefused("The SendGrid signature's timestamp cannot be read.")
    if now - signed_at > MAX_AGE or signed_at - now > MAX_AGE:
        raise WebhookRefused("The SendGrid signature is too old (or from the future).")
    try:
        decoded = base64.b64decode(signature, validate=True)
        key.verify(decoded, timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, binascii.Error, ValueError):
        raise WebhookRefused("The SendGrid signature does not match the body.") from None


def events(body: bytes) -> list[ProviderEvent]:
    """The events of one signed body (a JSON array); odd entries are skipped, not fatal."""
    data = load_json(body)
    if not isinstance(data, list):
        raise MalformedWebhook("The body is not a SendGrid event array.")
    found = []
    for item in data:
        if isinstance(item, dict) and text(item.get("email")):
            found.append(_event(item))
    return found


def _event(item: dict[str, Any]) -> ProviderEvent:
    kind = text(item.get("event")) or ""
    status = text(item.get("status")) or enhanced_code(item.get("reason"), item.get("response"))
    diagnostic = text(item.get("reason")) or text(item.get("response"))
    return ProviderEvent(
        provider=PROVIDER,
        event_id=text(item.get("sg_event_id")) or digest(item),
        cls=event_class(kind, item, status),
        recipient=str(item["email"]).strip(),
        status=status,
        diagnostic=" ".join(p for p in (kind, diagnostic) if p) or None,
        # Our relay sends our Message-ID as a custom arg, which every event carries back.
        message_id=text(item.get(MESSAGE_ID_ARG)) or text(item.get("smtp-id")),
        occurred_at=from_unix(item.get("timestamp")),
    )


def event_class(kind: str, item: dict[str, Any], status: str | None) -> ReturnClass:
    """The class of one SendGrid event (see the table above)."""
    if kind in SIMPLE:
        return SIMPLE[kind]
    words = (item.get("reason"), item.get("response"))
    if kind == "bounce":
        classification = str(item.get("bounce_classification") or "").strip().lower()
        if classification in CLASSIFICATIONS:
            return CLASSIFICATIONS[classification]
        said = failure_class(status, *words)
        if said is not None:
            return said
        return C.TEMPORARY if item.get("type") == "blocked" else C.UNKNOWN
    if kind == "dropped":
        return C.ADDRESS if text(item.get("reason")) == "Invalid" else C.SENDER
    if kind == "deferred":
        said = failure_class(status, *words)
        return said if said in (C.MAILBOX, C.SENDER) else C.TEMPORARY
    return C.UNKNOWN
