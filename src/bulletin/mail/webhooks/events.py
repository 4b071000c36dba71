"""What a mail provider's webhook tells us, in one provider-neutral form.

Each provider module verifies its own signature and turns its own payload into a list
of `ProviderEvent`s; everything after that (finding the reader, suppressing,
unsubscribing, counting) reads only these. The classes are the ones returned mail is
sorted into wherever it comes from:

    address     the address is gone (5.1.x, "no such user"): suppress
    mailbox     the mailbox is full or disabled: soft, counted
    temporary   try again later (4.x.x, DNS, deferrals): soft, counted
    sender      refused for the newsroom's own reasons (authentication and policy,
                reputation and blocklists, rate limits, content, the provider's own
                suppression list): recorded against the send, never the reader
    complaint   the reader reported it as spam: suppress and unsubscribe everywhere
    opt_out     the reader unsubscribed through the provider: unsubscribe
    report      informational (not-spam, auth-failure reports, auto-replies…)
    delivered   the receiving server took it
    unknown     anything else the provider sends (opens, clicks…) or cannot say
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bulletin.domain.errors import MalformedWebhook
from bulletin.mail.returns.model import ReturnClass


@dataclass(frozen=True)
class ProviderEvent:
    """One thing a provider says happened to one message to one recipient."""

    provider: str  # "ses", "sendgrid", "mailgun", "postmark"
    event_id: str  # the provider's own id for it: replaying it changes nothing
    cls: ReturnClass
    recipient: str
    status: str | None = None  # the enhanced status code (RFC 3463), when given
    diagnostic: str | None = None  # the provider's or the receiving server's words
    message_id: str | None = None  # the original Message-ID, when the provider echoes it
    feedback_type: str | None = None  # a complaint's ARF feedback type, when given
    occurred_at: datetime | None = None

    @property
    def detail(self) -> str:
        """One line for the event record and the desk: who said what."""
        parts = [f"{self.provider}: {self.cls.value}"]
        parts += [p for p in (self.status, self.feedback_type, self.diagnostic) if p]
        return " · ".join(parts)[:1000]


# RFC 3463 enhanced status codes: class.subject.detail.
_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_SENDER_ADDRESS = {"1.7", "1.8"}  # bad sender mailbox or domain: ours, not the reader's


def enhanced_code(*texts: object) -> str | None:
    """The first enhanced status code (e.g. 5.1.1) in these texts, if any."""
    for text in texts:
        if isinstance(text, str):
            match = _ENHANCED.search(text)
            if match:
                return ".".join(match.groups())
    return None


def status_class(status: str | None) -> ReturnClass | None:
    """What an enhanced status code says, where it says something clear; else None."""
    if not status or not _ENHANCED.fullmatch(status):
        return None
    kind, subject, detail = status.split(".")
    key = f"{subject}.{detail}"
    if subject == "7" or subject == "6" or key in _SENDER_ADDRESS or key in ("3.4", "2.3"):
        return ReturnClass.SENDER  # policy, authentication, content, message size
    if subject == "2":
        return ReturnClass.MAILBOX
    if kind == "4":
        return ReturnClass.TEMPORARY
    if kind == "5" and subject == "1":
        return ReturnClass.ADDRESS
    if kind == "5" and subject == "4":
        return ReturnClass.TEMPORARY  # routing and network: the address may yet work
    return None


# Words receiving servers use when they give no useful code, checked in this order.
_WORDS = (
    (
        ReturnClass.SENDER,
        (
            "spam", "blocklist", "blacklist", "reputation", "dmarc", "spf", "dkim",
            "unauthenticated", "not authenticated", "policy", "rate limit", "too many",
        ),
    ),
    (ReturnClass.MAILBOX, ("mailbox full", "mailbox is full", "over quota", "quota exceeded")),
    (
        ReturnClass.ADDRESS,
        (
            "does not exist", "no such user", "user unknown", "unknown user",
            "mailbox not found", "no mailbox", "invalid recipient", "recipient not found",
        ),
    ),
)  # fmt: skip


def text_class(*texts: object) -> ReturnClass | None:
    """What a diagnostic says in words, for providers that give no clear code."""
    words = " ".join(t.lower() for t in texts if isinstance(t, str))
    for cls, phrases in _WORDS:
        if any(phrase in words for phrase in phrases):
            return cls
    return None


def failure_class(status: str | None, *texts: object) -> ReturnClass | None:
    """A failure classified by its code, else by its words; None when neither says."""
    return status_class(status) or text_class(*texts)


def load_json(body: bytes) -> object:
    """The body as JSON, or MalformedWebhook."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedWebhook("The body is not JSON.") from exc


def text(value: object) -> str | None:
    """A string field as given; None for anything else or blank."""
    return value.strip() or None if isinstance(value, str) else None


def digest(value: object) -> str:
    """A stable id for a payload that carries none of its own."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def from_unix(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def from_iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
