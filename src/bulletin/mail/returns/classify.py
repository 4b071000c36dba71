"""One rejection (status code and server text) read as a class: the code first, then the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bulletin.mail.returns import codes
from bulletin.mail.returns.model import ReturnClass
from bulletin.mail.returns.reasons import reason_for

A = ReturnClass
DELIVERED_ACTIONS = frozenset({"delivered", "relayed", "expanded"})
MAX_DIAGNOSTIC = 500


@dataclass(frozen=True)
class Reading:
    cls: ReturnClass
    status: str | None
    reason: str | None = None


def classify_reply(
    status: str | None, diagnostic: str | None, *, action: str | None = None
) -> Reading:
    """The class of one failed (or delayed, or delivered) delivery.

    `status` is the enhanced code as reported (a DSN's Status field, a provider's
    status); `diagnostic` the remote server's reply, where the code may also be found.
    A specific code decides unless a reason-table text overrides it; a generic or
    missing one leaves it to the text, then to the basic reply code. A temporary
    failure never reads as an address that is gone.
    """
    action = (action or "").strip().lower()
    text = diagnostic or ""
    code = best_code(status, text)
    if action in DELIVERED_ACTIONS or (code is not None and code.startswith("2.")):
        return Reading(A.DELIVERED, code)
    reply = codes.reply_code(text)
    kind = code[0] if code else str(reply)[0] if reply else ""
    reason = reason_for(text)
    cls: ReturnClass | None = None
    if reason is not None and (reason.overrides or codes.is_generic(code)):
        cls = reason.cls
    elif code is not None:
        cls = codes.classify_code(code)
    temporary = kind == "4" or action == "delayed"
    if cls is None:
        cls = A.TEMPORARY if temporary else A.UNKNOWN
    if temporary and cls is A.ADDRESS:
        cls = A.TEMPORARY
    decided = reason.name if reason is not None and cls is reason.cls else None
    return Reading(cls, code, decided)


def best_code(status: str | None, diagnostic: str) -> str | None:
    """The reported code, or the more specific one in the server's own reply."""
    reported = codes.parse(status)
    if not codes.is_generic(reported):
        return reported
    in_reply = codes.parse(diagnostic)
    if in_reply is not None and (reported is None or in_reply[0] == reported[0]):
        return in_reply
    return reported


_SPACE = re.compile(r"\s+")
_TYPE = re.compile(r"^\s*(smtp|x-[\w-]+|x-unix|x-postfix)\s*;\s*", re.IGNORECASE)


def trimmed(text: str | None, limit: int = MAX_DIAGNOSTIC) -> str:
    """A server's text on one line: the diagnostic type ("smtp;") dropped, spaces folded."""
    if not text:
        return ""
    return _SPACE.sub(" ", _TYPE.sub("", text)).strip()[:limit]
