"""Postmark's webhooks: HTTP basic auth, and its records as provider events.

Postmark signs nothing; its webhooks authenticate with the user and password written
into the webhook URL (`https://user:password@…/hooks/postmark`), sent as HTTP basic
auth and compared here in constant time. It sends no signed timestamp either, so a
replay is harmless only because each record is taken once by its id (`ID` and
`RecordType`; records without an `ID` by message, recipient and type). The original's
Message-ID is the `bulletin-message-id` our Postmark relay puts in `Metadata`, else the
one quoted in the bounce's `Content`.

Bounces, by Postmark's documented bounce `Type`:

    HardBounce          address, unless its details carry a 5.7.x (policy,
                        authentication) code: sender
    BadEmailAddress     address
    SoftBounce          mailbox (full, account disabled)
    Transient, DnsError temporary
    SpamNotification, Blocked, DMARCPolicy, VirusNotification, SMTPApiError,
    TemplateRenderingFailed
                        sender: the receiving side refused our content, reputation or
                        authentication, or Postmark refused the message
    ManuallyDeactivated sender: Postmark's own suppression list, not the reader's mailbox
    SpamComplaint       complaint
    Unsubscribe         opt_out (an unsubscribe request by reply)
    AutoResponder, AddressChange, ChallengeVerification, OpenRelayTest, Subscribe
                        report
    Unknown             by the code or words of its details, else unknown
    Unconfirmed, InboundError, any other
                        unknown

Other records: SpamComplaint → complaint; Delivery → delivered; SubscriptionChange →
opt_out when the reader suppressed themselves (`Origin` Recipient, `SuppressionReason`
ManualSuppression), otherwise report (a hard bounce or complaint comes as its own
record; a suppression the newsroom made in Postmark is not the reader's consent).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from typing import Any

from bulletin.domain.errors import MalformedWebhook, WebhookRefused
from bulletin.mail.webhooks.events import (
    ProviderEvent,
    ReturnClass,
    enhanced_code,
    failure_class,
    from_iso,
    load_json,
    status_class,
    text,
)

PROVIDER = "postmark"
METADATA_KEY = "bulletin-message-id"  # set by our Postmark relay, posted back by Postmark
C = ReturnClass

BOUNCE_TYPES = {
    "HardBounce": C.ADDRESS,
    "BadEmailAddress": C.ADDRESS,
    "SoftBounce": C.MAILBOX,
    "Transient": C.TEMPORARY,
    "DnsError": C.TEMPORARY,
    "SpamNotification": C.SENDER,
    "Blocked": C.SENDER,
    "DMARCPolicy": C.SENDER,
    "VirusNotification": C.SENDER,
    "SMTPApiError": C.SENDER,
    "TemplateRenderingFailed": C.SENDER,
    "ManuallyDeactivated": C.SENDER,
    "SpamComplaint": C.COMPLAINT,
    "Unsubscribe": C.OPT_OUT,
    "AutoResponder": C.REPORT,
    "AddressChange": C.REPORT,
    "ChallengeVerification": C.REPORT,
    "OpenRelayTest": C.REPORT,
    "Subscribe": C.REPORT,
}
_MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)


def verify(authorization: str | None, *, user: str, password: str) -> None:
    """Refuse (WebhookRefused) a request without the configured basic-auth user and password."""
    scheme, _, encoded = (authorization or "").partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    given_user, sep, given_password = decoded.partition(":")
    user_ok = hmac.compare_digest(given_user.encode(), user.encode())
    password_ok = hmac.compare_digest(given_password.encode(), password.encode())
    if scheme.lower() != "basic" or not sep or not (user_ok and password_ok):
        raise WebhookRefused("The Postmark webhook's user or password is wrong.")


def events(body: bytes) -> list[ProviderEvent]:
    """The record of one body (Postmark posts one per request) as provider events."""
    record = load_json(body)
    if not isinstance(record, dict) or not isinstance(record.get("RecordType"), str):
        raise MalformedWebhook("The body is not a Postmark webhook record.")
    recipient = text(record.get("Email")) or text(record.get("Recipient"))
    return [_event(record, recipient)] if recipient else []


def _event(record: dict[str, Any], recipient: str) -> ProviderEvent:
    kind = record["RecordType"]
    details = text(record.get("Details"))
    description = text(record.get("Description"))
    status = enhanced_code(details, description)
    bounce_type = text(record.get("Type"))
    return ProviderEvent(
        provider=PROVIDER,
        event_id=_event_id(record, recipient),
        cls=record_class(record, status),
        recipient=recipient,
        status=status,
        diagnostic=" ".join(p for p in (kind, bounce_type, details or description) if p),
        message_id=_metadata_message_id(record) or _quoted_message_id(record.get("Content")),
        feedback_type="abuse" if kind == "SpamComplaint" else None,
        occurred_at=from_iso(
            record.get("BouncedAt") or record.get("DeliveredAt") or record.get("ChangedAt")
        ),
    )


def record_class(record: dict[str, Any], status: str | None) -> ReturnClass:
    """The class of one Postmark record (see the table above)."""
    kind = record["RecordType"]
    if kind == "SpamComplaint":
        return C.COMPLAINT
    if kind == "Delivery":
        return C.DELIVERED
    if kind == "SubscriptionChange":
        reader_left = (
            record.get("SuppressSending") is True
            and record.get("SuppressionReason") == "ManualSuppression"
            and record.get("Origin") == "Recipient"
        )
        return C.OPT_OUT if reader_left else C.REPORT
    if kind != "Bounce":
        return C.UNKNOWN
    bounce_type = str(record.get("Type") or "")
    if bounce_type == "HardBounce" and status_class(status) is C.SENDER:
        return C.SENDER
    if bounce_type == "Unknown":
        return failure_class(status, record.get("Details")) or C.UNKNOWN
    return BOUNCE_TYPES.get(bounce_type, C.UNKNOWN)


def _event_id(record: dict[str, Any], recipient: str) -> str:
    kind = record["RecordType"]
    if record.get("ID") not in (None, ""):
        return f"{record['ID']}:{kind}"
    parts = (record.get("MessageID"), recipient.lower(), kind, record.get("ChangedAt"))
    return ":".join(str(p) for p in parts if p)


def _metadata_message_id(record: dict[str, Any]) -> str | None:
    """Our Message-ID as our Postmark relay puts it in the message's Metadata."""
    metadata = record.get("Metadata")
    return text(metadata.get(METADATA_KEY)) if isinstance(metadata, dict) else None


def _quoted_message_id(content: object) -> str | None:
    """The original's Message-ID in the bounce's content (when the webhook includes it):
    the last one, since the bounce's own header comes first and the quoted original after."""
    if not isinstance(content, str):
        return None
    found = _MESSAGE_ID.findall(content)
    return found[-1] if found else None
