"""Feedback reports: ARF complaints (RFC 5965), auth-failure reports (RFC 6591), Microsoft JMRP.

An ARF report is a multipart/report (report-type=feedback-report) whose
message/feedback-report part says what kind of feedback it is: `abuse`, `fraud` and
`virus` are complaints (the reader marked the message as spam), `opt-out` asks to
leave, and `not-spam`, `auth-failure` and `other` are information that touches no
reader. Some loops (Yahoo's among them, at times) send the report with no
machine-readable part, only the quoted original's headers: a feedback report with no
type is a complaint. Microsoft's Junk Mail Reporting Program sent, before it moved to
ARF, a multipart/mixed with the original as message/rfc822, the complainant in its
`X-HmXmrOriginalRecipient` header; Amazon SES forwards complaints the same way.
"""

from __future__ import annotations

import re
from email.message import Message

from bulletin.mail.returns.classify import trimmed
from bulletin.mail.returns.model import Return, ReturnClass
from bulletin.mail.returns.parts import (
    address_in,
    block_text,
    content_type,
    field_blocks,
    header,
    parts,
    text_of,
)
from bulletin.mail.returns.plain import notification_text

A = ReturnClass
FEEDBACK_CLASSES = {
    "abuse": A.COMPLAINT,
    "fraud": A.COMPLAINT,
    "virus": A.COMPLAINT,
    "opt-out": A.OPT_OUT,
    "opt-out-list": A.OPT_OUT,  # the ARF drafts' name for it
}
# Forwarded complaints in the pre-ARF style: Hotmail's JMRP, Amazon SES.
FORWARDERS = re.compile(r"staff@hotmail\.com|complaints@email-abuse\.amazonses\.com", re.I)


def read_feedback(message: Message) -> Return | None:
    """The report's reading, or None when the message is no feedback report."""
    return _arf(message) or _forwarded(message)


def feedback_class(feedback_type: str) -> ReturnClass:
    """What a Feedback-Type means for the reader (unknown types are information)."""
    return FEEDBACK_CLASSES.get(feedback_type, A.REPORT)


def _arf(message: Message) -> Return | None:
    fields = _machine_fields(message)
    is_report = _report_type(message) == "feedback-report"
    if fields is None and not is_report:
        return None
    provider = "arf" if fields is not None else "arf-headers-only"
    fields = fields if fields is not None else _fields_in_text(message)
    feedback_type = (fields.get("feedback-type") or "abuse").strip().lower()
    original = _original_headers(message)
    recipient = (
        address_in(fields.get("original-rcpt-to"))
        or address_in(original.get("x-hmxmroriginalrecipient"))
        or address_in(original.get("to"))
    )
    return Return(
        feedback_class(feedback_type),
        key="",
        provider=provider,
        diagnostic=_diagnostic(message, fields, feedback_type),
        recipient=recipient,
        feedback_type=feedback_type,
    )


def _forwarded(message: Message) -> Return | None:
    original = _original_headers(message, quoted_only=True)
    sender = header(message, "From")
    forwarded = (
        FORWARDERS.search(sender)
        and "complaint about message" in header(message, "Subject").lower()
    )
    if "x-hmxmroriginalrecipient" not in original and not forwarded:
        return None
    provider = "ses" if "amazonses" in sender.lower() else "jmrp"
    return Return(
        A.COMPLAINT,
        key="",
        provider=provider,
        diagnostic=trimmed(header(message, "Subject"), 300),
        recipient=address_in(original.get("x-hmxmroriginalrecipient"))
        or address_in(original.get("to")),
        feedback_type="abuse",
    )


def _report_type(message: Message) -> str:
    try:
        value = message.get_param("report-type")
    except Exception:
        return ""
    return str(value).strip().lower() if isinstance(value, str) else ""


def _machine_fields(message: Message) -> dict[str, str] | None:
    """The fields of the message/feedback-report part, or None when there is none."""
    for part in parts(message):
        if content_type(part) == "message/feedback-report":
            blocks = field_blocks(block_text(part))
            return blocks[0] if blocks else {}
    if header(message, "Feedback-Type"):  # the fields as the report's own headers
        return {name.lower(): str(value) for name, value in message.items()}
    return None


def _fields_in_text(message: Message) -> dict[str, str]:
    """Feedback fields written into the human-readable part (header-only reports)."""
    for block in field_blocks(notification_text(message)):
        if "feedback-type" in block:
            return block
    return {}


def _original_headers(message: Message, *, quoted_only: bool = False) -> dict[str, str]:
    """The quoted original's headers (message/rfc822 or text/rfc822-headers), names lowercased."""
    for part in parts(message):
        kind = content_type(part)
        if kind == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return {name.lower(): str(value) for name, value in payload[0].items()}
        elif kind == "text/rfc822-headers" and not quoted_only:
            blocks = field_blocks(text_of(part))
            return blocks[0] if blocks else {}
    return {}


def _diagnostic(message: Message, fields: dict[str, str], feedback_type: str) -> str:
    if feedback_type == "auth-failure":
        found = [fields.get(name, "") for name in ("auth-failure", "authentication-results")]
        return trimmed("auth-failure: " + "; ".join(f for f in found if f), 300)
    first = next((line for line in notification_text(message).splitlines() if line.strip()), "")
    return trimmed(first, 300)
