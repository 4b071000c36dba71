"""Delivery status notifications (RFC 3464): which recipient failed, how, and why.

Postfix, Sendmail, Exim (with DSNs on), Exchange / Microsoft 365, Gmail, Yahoo and
Amazon SES's forwarded bounces all send a multipart/report whose
message/delivery-status part has one block of fields about the message and one per
recipient (`Final-Recipient`, `Action`, `Status`, `Diagnostic-Code`). We send one
recipient per message, so the report is about one reader: the first recipient that
failed, else the first delayed, else the first named.
"""

from __future__ import annotations

from email.message import Message

from bulletin.mail.returns.classify import classify_reply, trimmed
from bulletin.mail.returns.model import Return, ReturnClass
from bulletin.mail.returns.parts import (
    address_in,
    block_text,
    content_type,
    field_blocks,
    header,
    parts,
)
from bulletin.mail.returns.plain import notification_text, reply_in

STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status")


def read_dsn(message: Message) -> Return | None:
    """The report's reading, or None when the message has no delivery-status part."""
    statuses = [part for part in parts(message) if content_type(part) in STATUS_TYPES]
    if not statuses:
        return None
    blocks = [block for part in statuses for block in field_blocks(block_text(part))]
    chosen = _chosen([b for b in blocks if "final-recipient" in b or "action" in b])
    failed = address_in(header(message, "X-Failed-Recipients"))
    if chosen is None:
        return Return(ReturnClass.UNKNOWN, key="", provider="rfc3464", recipient=failed)
    diagnostic = chosen.get("diagnostic-code", "")
    if not diagnostic:
        # Some MTAs leave the server's words out of the DSN and put them in the
        # human-readable part ("… said: 550 5.1.1 …"): read them there.
        diagnostic = reply_in(notification_text(message, before=statuses[0]))
    reading = classify_reply(chosen.get("status"), diagnostic, action=chosen.get("action"))
    recipient = (
        address_in(chosen.get("final-recipient"))
        or address_in(chosen.get("original-recipient"))
        or failed
    )
    return Return(
        reading.cls,
        key="",
        provider="rfc3464",
        status=reading.status,
        diagnostic=trimmed(diagnostic),
        recipient=recipient,
        reason=reading.reason,
    )


def _chosen(recipients: list[dict[str, str]]) -> dict[str, str] | None:
    for wanted in ("failed", "delayed"):
        for block in recipients:
            if block.get("action", "").strip().lower() == wanted:
                return block
    return recipients[0] if recipients else None
