"""Amazon SES notifications (bounce, complaint, delivery) as JSON, read into a Return.

SES publishes them to SNS, which delivers them by webhook (another module's job) or by
email, as the notification's JSON alone or inside the SNS envelope (`Message`). The
mapping is SES's own definitions of its bounce types:

- Permanent/General: a hard bounce: the enhanced code and diagnostic decide (SES
  attaches them when the remote server gave them); with none, the address is gone.
- Permanent/NoEmail: "the target email address does not exist": address.
- Permanent/Suppressed and OnAccountSuppressionList: SES did not try, because the
  address is on its global or the account's suppression list: no mail server said
  anything about the reader, so it is the newsroom's (its SES account's) matter.
- Permanent/UnsubscribedRecipient: the reader unsubscribed through SES: opt-out.
- Transient/General: a soft bounce (code and diagnostic decide, never "gone");
  Transient/MailboxFull: mailbox; MessageTooLarge, ContentRejected,
  AttachmentRejected: our message; Undetermined: unknown.
- Complaint: by its `complaintFeedbackType` (ARF's types; none given means abuse);
  OnAccountSuppressionList complaints are SES's record, not a new complaint.
- Delivery: delivered. DeliveryDelay: temporary. Reject/Rendering Failure: ours.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.message import Message
from typing import Any

from bulletin.mail.returns.classify import classify_reply, trimmed
from bulletin.mail.returns.feedback import feedback_class
from bulletin.mail.returns.model import Return, ReturnClass
from bulletin.mail.returns.parts import content_type, parts, text_of

A = ReturnClass
KINDS = ("Bounce", "Complaint", "Delivery", "DeliveryDelay", "Reject", "Rendering Failure")
SUBTYPES = {
    "NoEmail": A.ADDRESS,
    "Suppressed": A.SENDER,
    "OnAccountSuppressionList": A.SENDER,
    "UnsubscribedRecipient": A.OPT_OUT,
    "MailboxFull": A.MAILBOX,
    "MessageTooLarge": A.SENDER,
    "ContentRejected": A.SENDER,
    "AttachmentRejected": A.SENDER,
}


def read_ses_mail(message: Message) -> Return | None:
    """An SES notification that came by email, or None when the body holds none."""
    for part in parts(message):
        if content_type(part) not in ("text/plain", "application/json"):
            continue
        notification = notification_in(text_of(part))
        if notification is not None:
            return read_ses(notification)
    return None


def notification_in(text: str) -> dict[str, Any] | None:
    """The SES notification in a text (alone or in an SNS envelope), or None."""
    start = text.find("{")
    # The names may be escaped, inside the envelope's Message string.
    if start == -1 or ("notificationType" not in text and "eventType" not in text):
        return None
    try:
        found, _ = json.JSONDecoder().raw_decode(text[start:])
        if isinstance(found, dict) and isinstance(found.get("Message"), str):
            found = json.loads(found["Message"])  # the SNS envelope around it
    except (ValueError, RecursionError):
        return None
    if isinstance(found, dict) and _kind(found) in KINDS:
        return found
    return None


def read_ses(notification: Mapping[str, Any]) -> Return:
    """One SES notification read (its key and attribution are the caller's to add)."""
    kind = _kind(notification)
    if kind == "Bounce":
        return _bounce(_dict(notification.get("bounce")))
    if kind == "Complaint":
        return _complaint(_dict(notification.get("complaint")))
    if kind == "Delivery":
        delivery = _dict(notification.get("delivery"))
        return Return(
            A.DELIVERED,
            key="",
            provider="ses",
            diagnostic=trimmed(str(delivery.get("smtpResponse") or "")),
            recipient=_first(delivery.get("recipients")),
        )
    cls = A.TEMPORARY if kind == "DeliveryDelay" else A.SENDER
    return Return(cls, key="", provider="ses", diagnostic=kind)


def _bounce(bounce: Mapping[str, Any]) -> Return:
    recipients = bounce.get("bouncedRecipients")
    first = _dict(recipients[0]) if isinstance(recipients, list) and recipients else {}
    kind = str(bounce.get("bounceType") or "")
    subtype = str(bounce.get("bounceSubType") or "")
    status = first.get("status")
    diagnostic = str(first.get("diagnosticCode") or "")
    reading = classify_reply(str(status) if status else None, diagnostic, action="failed")
    cls, reason = reading.cls, reading.reason
    if subtype in SUBTYPES:
        cls, reason = SUBTYPES[subtype], f"ses-{subtype.lower()}"
    elif kind == "Undetermined":
        cls = A.UNKNOWN
    elif cls is A.UNKNOWN:  # nothing in the code or text: the bounce type decides
        cls = {"Permanent": A.ADDRESS, "Transient": A.TEMPORARY}.get(kind, A.UNKNOWN)
    if kind == "Transient" and cls is A.ADDRESS:
        cls = A.TEMPORARY
    return Return(
        cls,
        key="",
        provider="ses",
        status=reading.status,
        diagnostic=trimmed(diagnostic),
        recipient=str(first.get("emailAddress") or "") or None,
        reason=reason,
    )


def _complaint(complaint: Mapping[str, Any]) -> Return:
    feedback_type = str(complaint.get("complaintFeedbackType") or "abuse").lower()
    cls = feedback_class(feedback_type)
    if complaint.get("complaintSubType") == "OnAccountSuppressionList":
        cls = A.REPORT
    recipients = complaint.get("complainedRecipients")
    first = _dict(recipients[0]) if isinstance(recipients, list) and recipients else {}
    return Return(
        cls,
        key="",
        provider="ses",
        diagnostic=trimmed(str(complaint.get("userAgent") or ""), 300),
        recipient=str(first.get("emailAddress") or "") or None,
        feedback_type=feedback_type,
    )


def _kind(notification: Mapping[str, Any]) -> str:
    return str(notification.get("notificationType") or notification.get("eventType") or "")


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _first(value: object) -> str | None:
    return str(value[0]) if isinstance(value, list) and value else None
