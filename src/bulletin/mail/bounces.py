"""Reading bounces (DSN, RFC 3464) and complaints (ARF, RFC 5965) that come back to us.

Bounce detection is flufl.bounce's (GNU Mailman's detectors: DSNs and the many
non-standard formats mail servers still send); complaints are read from the ARF
report here. Either is attributed to the campaign and reader it is about by our VERP
return path (`bounces+cC.sS@domain`, which the bounce is addressed to and which the
original's Return-Path shows) or, failing that, by the original's Message-ID
(`<bulletin.cC.sS@domain>`), which most reports quote.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from email.message import Message

from flufl.bounce import all_failures

# Headers of the report itself that name the address it was sent to (our VERP address).
RECIPIENT_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")


class Kind(enum.StrEnum):
    HARD = "bounce"
    SOFT = "soft_bounce"
    COMPLAINT = "complaint"
    NONE = "not_a_bounce"


@dataclass(frozen=True)
class Report:
    """What one returned message says, and whom it is about (as far as it tells)."""

    kind: Kind
    addresses: tuple[str, ...]
    campaign_id: int | None
    subscriber_id: int | None
    detail: str
    key: str  # a digest of the message: the same report processed twice counts once


def read_report(message: Message, raw: bytes, *, domain: str) -> Report:
    """Classify a returned message and attribute it; never raises for odd input."""
    campaign_id, subscriber_id = _attribution(message, raw, domain=domain)
    key = hashlib.sha256(raw).hexdigest()
    feedback = _feedback_report(message)
    if feedback is not None:
        feedback_type = (feedback.get("Feedback-Type") or "abuse").strip().lower()
        rcpt = _address(feedback.get("Original-Rcpt-To") or "")
        return Report(
            Kind.COMPLAINT,
            (rcpt,) if rcpt else (),
            campaign_id,
            subscriber_id,
            f"feedback-type {feedback_type}",
            key,
        )
    temporary, permanent = _failures(message)
    if permanent:
        return Report(Kind.HARD, permanent, campaign_id, subscriber_id, _status(message), key)
    if temporary:
        return Report(Kind.SOFT, temporary, campaign_id, subscriber_id, _status(message), key)
    return Report(Kind.NONE, (), campaign_id, subscriber_id, "no bounce or complaint found", key)


def _failures(message: Message) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a detector tripping on a malformed message is no bounce
        return (), ()
    return _decoded(temporary), _decoded(permanent)


def _decoded(addresses: AbstractSet[bytes] | AbstractSet[str]) -> tuple[str, ...]:
    found = {
        (a.decode("utf-8", "replace") if isinstance(a, bytes) else a).strip().lower()
        for a in addresses
    }
    return tuple(sorted(a for a in found if "@" in a))


def _feedback_report(message: Message) -> Message | None:
    """The machine-readable part of an ARF complaint, or None when this is not one."""
    for part in message.walk():
        if part.get_content_type() != "message/feedback-report":
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            return payload[0]
        fields = Message()
        for line in str(payload).splitlines():
            name, sep, value = line.partition(":")
            if sep and name.strip():
                fields[name.strip()] = value.strip()
        return fields
    return None


_STATUS = re.compile(r"^(Status|Diagnostic-Code):\s*(.+)$", re.MULTILINE | re.IGNORECASE)


def _status(message: Message) -> str:
    """The DSN's status and diagnostic, for the editor reading the report."""
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            text = "\n".join(str(block) for block in part.get_payload() or [])
            found = [f"{m.group(1)}: {m.group(2).strip()}" for m in _STATUS.finditer(text)]
            if found:
                return "; ".join(found)
    return str(message.get("Subject") or "")[:300]


def _attribution(message: Message, raw: bytes, *, domain: str) -> tuple[int | None, int | None]:
    """(campaign, reader) from our VERP address, else from the quoted Message-ID."""
    verp = re.compile(rf"bounces\+c(\d+)\.s(\d+)@{re.escape(domain)}", re.IGNORECASE)
    for name in RECIPIENT_HEADERS:
        for value in message.get_all(name) or []:
            match = verp.search(str(value))
            if match:
                return int(match.group(1)), int(match.group(2))
    text = raw.decode("utf-8", "replace")
    message_id = re.compile(rf"<bulletin\.c(\d+)\.s(\d+)@{re.escape(domain)}>", re.IGNORECASE)
    for pattern in (verp, message_id):  # the original's Return-Path, then its Message-ID
        match = pattern.search(text)
        if match:
            return int(match.group(1)), int(match.group(2))
    return None, None


def _address(value: str) -> str:
    value = value.strip()
    if ";" in value:  # "rfc822; reader@example.org"
        value = value.split(";", 1)[1]
    return value.strip().strip("<>").lower()
