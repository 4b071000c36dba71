"""Building one RFC 5322 message: multipart/alternative with the list headers."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP, EmailPolicy, Policy
from email.utils import format_datetime, formataddr, parseaddr

from bulletin.domain.addresses import ensure_header_safe
from bulletin.mail import quoted

MAX_LINE = 998  # RFC 5322 2.1.1, in octets; we count characters well below it
QUOTED_PRINTABLE = "quoted-printable"


@dataclass(frozen=True)
class ListHeaders:
    """The RFC 2369 / 2919 / 8058 headers that make a message leavable in one click."""

    list_id: str
    unsubscribe_url: str
    unsubscribe_mailto: str
    feedback_id: str | None = None  # Gmail's feedback loop: complaints counted by it


@dataclass(frozen=True)
class OutgoingMessage:
    sender: str
    to: str
    subject: str
    text: str
    html: str
    message_id: str
    date: datetime
    list_headers: ListHeaders | None = None
    in_reply_to: str | None = None
    # The thread this message answers, oldest first (RFC 5322 3.6.4); defaults to
    # `in_reply_to` alone.
    references: tuple[str, ...] = ()
    extra_headers: dict[str, str] = field(default_factory=dict)
    # A fixed MIME boundary (else a random one): a campaign's messages share one, so a
    # reader's message built in full equals the campaign's skeleton filled in for them.
    boundary: str | None = None
    # Where readers' answers go (BULLETIN_REPLY_TO); None: to the sender.
    reply_to: str | None = None


class _VerbatimHeader(UnstructuredHeader, BaseHeader):
    """A header of <…> items (links, message ids): written as given, folded after commas.

    The standard folding turns a word too long for one line into an RFC 2047 encoded
    word. Mail clients do not decode those in List-Unsubscribe or References, so a
    long unsubscribe link (they all are: they carry a token) would simply be lost.
    """

    def fold(self, *, policy: Policy) -> str:
        value = str(self)
        if not value.isascii():
            return str(super().fold(policy=policy))
        return f"{self.name}: {value.replace(', ', ',' + policy.linesep + ' ')}{policy.linesep}"


class _WordFoldedHeader(UnstructuredHeader, BaseHeader):
    """A text header (Subject) folded between words, its first word on the first line.

    The library folds a 70 to 77 character ASCII subject right after `Subject:`, leaving
    an empty first line, which some clients (and Python's own parser) then read with a
    leading space. Non-ASCII text goes to the library, which encodes it (RFC 2047).
    """

    def fold(self, *, policy: Policy) -> str:
        value = str(self)
        if not value.isascii():
            return str(super().fold(policy=policy))
        limit = policy.max_line_length or MAX_LINE
        lines, line = [], f"{self.name}:"
        for word in value.split(" "):
            if line.endswith(":") or len(line) + 1 + len(word) <= limit:
                line = f"{line} {word}"
            else:
                lines.append(line)
                line = f" {word}"
        lines.append(line)
        return policy.linesep.join(lines) + policy.linesep


def _policy() -> EmailPolicy[EmailMessage]:
    registry = HeaderRegistry()
    registry.map_to_type("subject", _WordFoldedHeader)
    # The per-reader headers too: written as given, so a message built for one reader
    # equals the campaign's skeleton with that reader's values filled in.
    for name in ("list-unsubscribe", "in-reply-to", "references", "to", "message-id"):
        registry.map_to_type(name, _VerbatimHeader)
    return SMTP.clone(header_factory=registry)


_POLICY = _policy()


def build(
    message: OutgoingMessage, *, seven_bit: bool = False, whole: Mapping[str, int] | None = None
) -> bytes:
    """The wire form (CRLF line ends) of a message; refuses line breaks in any header.

    `seven_bit` (for a message to be signed) sends a body that is not ASCII as
    quoted-printable, never splitting the words of `whole` (see `quoted`).
    """
    email = EmailMessage(policy=_POLICY)
    for name, value in _headers(message):
        email[name] = ensure_header_safe(value, field=name)
    text_cte, html_cte = _cte(message.text, seven_bit), _cte(message.html, seven_bit)
    email.set_content(message.text, subtype="plain", charset="utf-8", cte=text_cte)
    email.add_alternative(message.html, subtype="html", charset="utf-8", cte=html_cte)
    for part, body in zip(email.iter_parts(), (message.text, message.html), strict=True):
        if part["Content-Transfer-Encoding"] == QUOTED_PRINTABLE:
            part.set_payload(quoted.encode(body, whole=whole))  # in place of the library's
    if message.boundary:
        email.set_boundary(message.boundary)
    return email.as_bytes()


def _cte(body: str, seven_bit: bool) -> str:
    """7bit or 8bit: the body goes as written, so filling in a reader's link moves nothing.

    The library's quoted-printable would re-wrap lines around each reader's (different)
    link, so a 7-bit copy of an 8-bit body is encoded by `quoted`. Bodies come from
    `render`, which keeps every line far below the 998-octet limit.
    """
    if any(len(line) > MAX_LINE for line in body.splitlines()):
        raise ValueError(f"a body line is longer than {MAX_LINE} characters")
    if body.isascii():
        return "7bit"
    return QUOTED_PRINTABLE if seven_bit else "8bit"


def is_eight_bit(data: bytes) -> bool:
    return not data.isascii()


def _headers(message: OutgoingMessage) -> list[tuple[str, str]]:
    headers = [
        ("From", message.sender),
        ("To", message.to),
        ("Subject", message.subject),
        ("Date", format_datetime(message.date)),
        ("Message-ID", message.message_id),
    ]
    if message.reply_to:
        headers.append(("Reply-To", message.reply_to))
    if message.in_reply_to:
        references = " ".join(message.references or (message.in_reply_to,))
        headers += [("In-Reply-To", message.in_reply_to), ("References", references)]
    if message.list_headers:
        lh = message.list_headers
        headers += [
            ("List-Id", lh.list_id),
            ("List-Unsubscribe", f"<{lh.unsubscribe_url}>, <{lh.unsubscribe_mailto}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
        if lh.feedback_id:
            headers.append(("Feedback-ID", lh.feedback_id))
    headers += list(message.extra_headers.items())
    return headers


def list_id(name: str, slug: str, domain: str) -> str:
    """RFC 2919 List-Id: a phrase and a dotted identifier unique to the list."""
    ensure_header_safe(name, field="list name")
    phrase = name.replace("\\", "").replace('"', "")
    return f'"{phrase}" <{slug}.{domain}>'


def feedback_id(kind: str, list_slug: str, domain: str) -> str:
    """Gmail's Feedback-ID: the campaign's kind, its list, and the newsroom as sender id.

    Gmail's Postmaster Tools count complaints by each identifier; none may be unique to
    a message (it would identify no group), and the last names the sender.
    """
    parts = [kind, list_slug, domain]
    if any(not p or ":" in p for p in parts):
        raise ValueError(f"a Feedback-ID part cannot be empty or hold a colon: {parts}")
    return ":".join(ensure_header_safe(p, field="Feedback-ID") for p in parts)


def boundary_for(*parts: str) -> str:
    """A MIME boundary fixed by the content it separates (a digest of it, so not found in it)."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
    return f"=_bulletin_{digest}"


def message_id(local: str, domain: str) -> str:
    return f"<{local}@{domain}>"


def sender_header(sender: str) -> str:
    """Normalise 'Name <addr>' so the display name is quoted when it must be."""
    name, address = parseaddr(ensure_header_safe(sender, field="sender"))
    return formataddr((name, address)) if name else str(Address(addr_spec=address))
