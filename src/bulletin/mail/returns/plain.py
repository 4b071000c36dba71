"""Bounces with no DSN part: Exim's plain-text report, and the old formats flufl.bounce knows.

Exim's default bounce is plain text ("This message was created automatically by mail
delivery software."), with the failed address in `X-Failed-Recipients` and the remote
server's reply indented under it. Older or odder servers (qmail, Exchange 5.5, Lotus
Notes, Yahoo's old format…) are recognised by flufl.bounce's detectors, which find
addresses and not reasons: the reason then comes only from an SMTP reply in the
report's own text (before the quoted original), and without one the return is
`unknown`, which suppresses no one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Set as AbstractSet
from email.message import Message

from flufl.bounce import all_failures

from bulletin.mail.returns import codes
from bulletin.mail.returns.classify import classify_reply, trimmed
from bulletin.mail.returns.model import Return, ReturnClass
from bulletin.mail.returns.parts import address_in, content_type, header, parts, text_of

# flufl.bounce logs each detector that trips on odd input (with its traceback) before
# raising; we treat that as "no bounce found", so those records are noise.
logging.getLogger("flufl.bounce").addFilter(lambda record: record.exc_info is None)

MAX_NOTICE = 20_000
EXIM_MARK = re.compile(r"created automatically by mail delivery software", re.IGNORECASE)
# Where a report's own words end and the quoted original begins.
_QUOTED = re.compile(
    r"^[ \t]*(-{2,}|={2,}|_{2,}).{0,40}(copy of|original message|below this line|returned"
    r" message|undelivered message|message headers)"
    r"|^[ \t]*(original message (headers|follows)|--- below this line)",
    re.IGNORECASE | re.MULTILINE,
)
_FAILED_BLOCK = re.compile(
    r"(?:following address\(es\) failed|has not yet been delivered is|addresses? failed)[^\n]*:"
    r"[ \t]*\n(?:[ \t]*\n)*(?P<block>(?:[ \t]+\S[^\n]*\n?)+)",
    re.IGNORECASE,
)
# "SMTP error from remote mail server after RCPT TO:<a@b>:" (or MAIL FROM, end of data…),
# then the reply itself on the next line.
_SMTP_ERROR = re.compile(
    r"SMTP error from remote (?:mail server|mailer) after .*?:\s*(?=[245]\d\d)", re.I | re.S
)


def notification_text(message: Message, *, before: Message | None = None) -> str:
    """The report's own human-readable text: its text parts up to the quoted original."""
    found: list[str] = []
    for part in parts(message):
        kind = content_type(part)
        if part is before or kind in ("message/rfc822", "text/rfc822-headers"):
            break
        if kind == "text/plain" or (kind.startswith("text/") and part is message):
            found.append(text_of(part))
        if sum(len(text) for text in found) > MAX_NOTICE:
            break
    text = "\n".join(found)[:MAX_NOTICE]
    cut = _QUOTED.search(text)
    return text[: cut.start()] if cut else text


def reply_in(text: str) -> str:
    """The first SMTP reply in a report's text, to the end of its paragraph, or ""."""
    starts = [m.start() for m in (codes.REPLY.search(text), codes.ENHANCED.search(text)) if m]
    if not starts:
        return ""
    start = min(starts)
    end = text.find("\n\n", start)
    return text[start : end if end != -1 else start + 1000]


def read_exim(message: Message) -> Return | None:
    """Exim's plain-text bounce or delay warning, or None when this is not one."""
    text = notification_text(message)
    if not EXIM_MARK.search(text):
        return None
    delayed = "not yet been delivered" in text.lower()
    block = _FAILED_BLOCK.search(text.replace("\r\n", "\n"))
    lines = block.group("block").strip("\n").split("\n") if block else []
    recipient = address_in(header(message, "X-Failed-Recipients")) or (
        address_in(lines[0]) if lines else None
    )
    details = "\n".join(line.strip() for line in lines[1:])
    reply = _SMTP_ERROR.split(details, maxsplit=1)
    diagnostic = reply[1] if len(reply) == 2 else details.replace("Delay reason:", "")
    reading = classify_reply(None, diagnostic, action="delayed" if delayed else "failed")
    return Return(
        reading.cls,
        key="",
        provider="exim",
        status=reading.status,
        diagnostic=trimmed(diagnostic),
        recipient=recipient,
        reason=reading.reason,
    )


def read_heuristic(message: Message) -> Return | None:
    """A non-standard bounce flufl.bounce finds an address in, or None."""
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a detector tripping on odd input is no bounce
        return None
    found = _decoded(permanent) or _decoded(temporary)
    if not found:
        return None
    only_temporary = not _decoded(permanent)
    diagnostic = reply_in(notification_text(message))
    if diagnostic:
        action = "delayed" if only_temporary else "failed"
        reading = classify_reply(None, diagnostic, action=action)
        cls, status, reason = reading.cls, reading.status, reading.reason
    else:
        cls = ReturnClass.TEMPORARY if only_temporary else ReturnClass.UNKNOWN
        status = reason = None
    return Return(
        cls,
        key="",
        provider="flufl",
        status=status,
        diagnostic=trimmed(diagnostic),
        recipient=found[0],
        reason=reason,
    )


def _decoded(addresses: AbstractSet[bytes] | AbstractSet[str]) -> list[str]:
    found = {
        (a.decode("utf-8", "replace") if isinstance(a, bytes) else a).strip() for a in addresses
    }
    return sorted(a for a in found if "@" in a)
