"""Automatic replies (RFC 3834) and vacation notices: mail that came back, saying nothing.

An auto-responder should answer to the Return-Path (our VERP address) and mark its
reply `Auto-Submitted: auto-replied`; many also, or only, set `X-Autoreply`,
`X-Autorespond` or `Precedence: auto_reply`, or say so in the subject. Bounces carry
`Auto-Submitted` too, so this is asked only of mail no bounce reader recognised, and
never of mail from a mailer-daemon or with a delivery-failure subject.
"""

from __future__ import annotations

import re
from email.message import Message

from bulletin.mail.returns.model import Return, ReturnClass
from bulletin.mail.returns.parts import header

_MARKERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Vacation")
_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|auto:"
    r"|autoreply|vacation|away from|abwesenheit|absence|réponse automatique|r[ée]ponse auto)",
    re.IGNORECASE,
)
_DAEMON = re.compile(r"mailer-daemon|postmaster|mail delivery|delivery subsystem", re.I)
_FAILURE = re.compile(
    r"undeliver|delivery (status|failure|has failed|notification)|returned mail|failure notice"
    r"|mail delivery failed|could not be delivered|non[- ]?delivery",
    re.IGNORECASE,
)


def read_auto_reply(message: Message) -> Return | None:
    """An auto-reply's reading, or None when the message does not say it is one."""
    if _DAEMON.search(header(message, "From")) or _FAILURE.search(header(message, "Subject")):
        return None
    submitted = header(message, "Auto-Submitted").lower()
    precedence = header(message, "Precedence").lower()
    if (
        (submitted and not submitted.startswith("no"))
        or any(header(message, name) for name in _MARKERS)
        or precedence == "auto_reply"
        or _SUBJECT.search(header(message, "Subject"))
    ):
        return Return(
            ReturnClass.AUTO_REPLY,
            key="",
            provider="rfc3834",
            diagnostic=header(message, "Subject")[:300],
            recipient=_from(message),
        )
    return None


def _from(message: Message) -> str | None:
    found = re.search(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+", header(message, "From"))
    return found.group(0) if found else None
