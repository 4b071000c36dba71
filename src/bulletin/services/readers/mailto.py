"""Leaving a list by email: the `mailto:` of List-Unsubscribe, honoured within seconds.

Every list message offers `mailto:unsubscribe@domain?subject=unsubscribe TOKEN` beside
the one-click link (RFC 2369, RFC 8058). The token is the same signed unsubscribe token
as the link's, so holding it is the proof, as with the link: the reader named by it
leaves the list named by it. The mail client usually sends the subject as given; the
token is also looked for in the first lines of the body, for clients that move it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from bulletin.domain.errors import BulletinError, TokenError
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.services.readers.subscriptions import Requester

# itsdangerous tokens: URL-safe base64 parts joined by dots (payload, time, signature).
_CANDIDATE = re.compile(r"[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+){2,}")
MIN_TOKEN = 20
MAX_CANDIDATES = 5
BODY_LINES = 10


@dataclass(frozen=True)
class MailtoOutcome:
    unsubscribed: bool
    email: str | None = None
    list_name: str | None = None
    reason: str = ""


def unsubscribe_by_mail(ctx: Context, raw: bytes) -> MailtoOutcome:
    """Act on one message sent to the unsubscribe address; never raises for its content."""
    requester = Requester(method="mailto")
    for token in _tokens(raw):
        try:
            target = subscriptions.unsubscribe(ctx, token, requester=requester)
        except TokenError:
            continue
        except BulletinError as exc:  # a reader or list that is gone since
            return MailtoOutcome(False, reason=str(exc))
        return MailtoOutcome(True, email=target.email, list_name=target.list_name)
    return MailtoOutcome(False, reason="no valid unsubscribe token in the message")


def _tokens(raw: bytes) -> list[str]:
    """Candidate tokens: from the subject first, then the first lines of the body."""
    try:
        message = message_from_bytes(raw, policy=policy.default)
        subject = str(message.get("Subject", ""))
        body = _body_start(message) if isinstance(message, EmailMessage) else ""
    except Exception:  # a message too broken to parse names no token
        return []
    found = [
        t for t in _CANDIDATE.findall(subject) + _CANDIDATE.findall(body) if len(t) >= MIN_TOKEN
    ]
    return list(dict.fromkeys(found))[:MAX_CANDIDATES]


def _body_start(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    content = part.get_content()
    return "\n".join(str(content).splitlines()[:BODY_LINES]) if isinstance(content, str) else ""
