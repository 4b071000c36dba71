"""Amazon SES notifications (the Message of a verified SNS notification) as provider events.

SES publishes either notifications (`notificationType`: Bounce, Complaint, Delivery)
or, through a configuration set, events (`eventType`: also Reject, DeliveryDelay,
Rendering Failure, Send, Open, Click…). Both carry the original message's headers in
`mail` (`commonHeaders.messageId`, `headers`), which is how a report finds its campaign.

Bounces, by SES's documented `bounceType`/`bounceSubType`:

    Permanent/General       address, unless the recipient's status code says otherwise
                            (5.7.x policy or authentication: sender; 5.2.x: mailbox;
                            4.x.x: temporary)
    Permanent/NoEmail       address
    Permanent/Suppressed, Permanent/OnAccountSuppressionList
                            sender: SES's own suppression list refused it, not the
                            reader's mailbox; never suppress on it
    Transient/MailboxFull   mailbox
    Transient/MessageTooLarge, ContentRejected, AttachmentRejected
                            sender
    Transient/General (and any other)
                            temporary
    Undetermined            by the status code or the diagnostic, else unknown

Complaints: `complaintSubType` OnAccountSuppressionList is sender (SES did not send
it); feedback type not-spam or auth-failure is report; any other (abuse, fraud,
virus, other, or none, as Gmail's loop gives) is complaint.
"""

from __future__ import annotations

from typing import Any

from bulletin.domain.errors import MalformedWebhook
from bulletin.mail.webhooks.events import (
    ProviderEvent,
    ReturnClass,
    enhanced_code,
    failure_class,
    from_iso,
    load_json,
    text,
)
from bulletin.mail.webhooks.sns import SnsMessage

PROVIDER = "ses"
C = ReturnClass

PERMANENT = {
    "NoEmail": C.ADDRESS,
    "Suppressed": C.SENDER,
    "OnAccountSuppressionList": C.SENDER,
}
TRANSIENT = {
    "MailboxFull": C.MAILBOX,
    "MessageTooLarge": C.SENDER,
    "ContentRejected": C.SENDER,
    "AttachmentRejected": C.SENDER,
}
NOT_COMPLAINTS = {"not-spam", "auth-failure"}
DELAYS = {"MailboxFull": C.MAILBOX, "SpamDetected": C.SENDER, "IPFailure": C.SENDER}


def events(message: SnsMessage) -> list[ProviderEvent]:
    """The events one SES notification reports, one per recipient it names."""
    data = load_json(message.message.encode())
    if not isinstance(data, dict):
        raise MalformedWebhook("The SNS message is not an SES notification.")
    kind = str(data.get("notificationType") or data.get("eventType") or "")
    mail = _dict(data.get("mail"))
    base = {"message_id": _message_id(mail)}
    if kind == "Bounce":
        return _bounces(message, _dict(data.get("bounce")), base)
    if kind == "Complaint":
        return _complaints(message, _dict(data.get("complaint")), base)
    if kind == "Delivery":
        delivery = _dict(data.get("delivery"))
        recipients = _strings(delivery.get("recipients"))
        when = from_iso(delivery.get("timestamp"))
        return [_event(message, r, C.DELIVERED, base, occurred_at=when) for r in recipients]
    if kind == "DeliveryDelay":
        return _delays(message, _dict(data.get("deliveryDelay")), base)
    recipients = _strings(mail.get("destination"))
    if kind in ("Reject", "Rendering Failure"):  # SES refused our message: ours to fix
        return [_event(message, r, C.SENDER, base, diagnostic=kind) for r in recipients]
    return [_event(message, r, C.UNKNOWN, base, diagnostic=kind or None) for r in recipients]


def _bounces(
    message: SnsMessage, bounce: dict[str, Any], base: dict[str, Any]
) -> list[ProviderEvent]:
    bounce_type = str(bounce.get("bounceType") or "")
    subtype = str(bounce.get("bounceSubType") or "")
    when = from_iso(bounce.get("timestamp"))
    found: list[ProviderEvent] = []
    for recipient in _dicts(bounce.get("bouncedRecipients")):
        address = text(recipient.get("emailAddress"))
        if address is None:
            continue
        diagnostic = text(recipient.get("diagnosticCode"))
        status = text(recipient.get("status")) or enhanced_code(diagnostic)
        cls = bounce_class(bounce_type, subtype, status, diagnostic)
        reason = f"{bounce_type}/{subtype}" + (f": {diagnostic}" if diagnostic else "")
        found.append(
            _event(message, address, cls, base, status=status, diagnostic=reason, occurred_at=when)
        )
    return found


def bounce_class(
    bounce_type: str, subtype: str, status: str | None, diagnostic: str | None
) -> ReturnClass:
    """The class of one bounced recipient, by SES's type and subtype (see the table above)."""
    if bounce_type == "Permanent":
        if subtype in PERMANENT:
            return PERMANENT[subtype]
        said = failure_class(None if status == "5.0.0" else status, diagnostic)
        return said if said in (C.SENDER, C.MAILBOX, C.TEMPORARY) else C.ADDRESS
    if bounce_type == "Transient":
        return TRANSIENT.get(subtype, C.TEMPORARY)
    return failure_class(status, diagnostic) or C.UNKNOWN


def _complaints(
    message: SnsMessage, complaint: dict[str, Any], base: dict[str, Any]
) -> list[ProviderEvent]:
    feedback = text(complaint.get("complaintFeedbackType"))
    if complaint.get("complaintSubType") == "OnAccountSuppressionList":
        cls = C.SENDER
    elif feedback is not None and feedback.lower() in NOT_COMPLAINTS:
        cls = C.REPORT
    else:
        cls = C.COMPLAINT
    when = from_iso(complaint.get("timestamp"))
    return [
        _event(message, address, cls, base, feedback_type=feedback, occurred_at=when)
        for recipient in _dicts(complaint.get("complainedRecipients"))
        if (address := text(recipient.get("emailAddress"))) is not None
    ]


def _delays(
    message: SnsMessage, delay: dict[str, Any], base: dict[str, Any]
) -> list[ProviderEvent]:
    cls = DELAYS.get(str(delay.get("delayType") or ""), C.TEMPORARY)
    when = from_iso(delay.get("timestamp"))
    found: list[ProviderEvent] = []
    for recipient in _dicts(delay.get("delayedRecipients")):
        address = text(recipient.get("emailAddress"))
        if address is not None:
            diagnostic = text(recipient.get("diagnosticCode"))
            status = text(recipient.get("status")) or enhanced_code(diagnostic)
            found.append(
                _event(
                    message,
                    address,
                    cls,
                    base,
                    status=status,
                    diagnostic=diagnostic,
                    occurred_at=when,
                )
            )
    return found


def _event(
    message: SnsMessage, recipient: str, cls: ReturnClass, base: dict[str, Any], **fields: Any
) -> ProviderEvent:
    # SES sends one notification for several recipients: its id with the recipient's.
    return ProviderEvent(
        provider=PROVIDER,
        event_id=f"{message.message_id}:{recipient.lower()}",
        cls=cls,
        recipient=recipient,
        **base,
        **fields,
    )


def _message_id(mail: dict[str, Any]) -> str | None:
    """The original Message-ID: from the headers as we sent them, else from commonHeaders.

    SES gives the message its own Message-ID on the way out; `headers` keeps ours.
    """
    for header in _dicts(mail.get("headers")):
        if str(header.get("name", "")).lower() == "message-id":
            return text(header.get("value"))
    return text(_dict(mail.get("commonHeaders")).get("messageId"))


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list) else []
