"""`read_return`: one returned message, whatever its format, classified and attributed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from email import message_from_bytes
from email.message import Message
from email.policy import compat32

from bulletin.mail.returns.auto import read_auto_reply
from bulletin.mail.returns.dsn import read_dsn
from bulletin.mail.returns.feedback import read_feedback
from bulletin.mail.returns.model import Return, ReturnClass
from bulletin.mail.returns.parts import RECIPIENT_HEADERS, all_text, header
from bulletin.mail.returns.plain import read_exim, read_heuristic
from bulletin.mail.returns.ses import read_ses_mail
from bulletin.mail.returns.tags import Verify, attribute

# Most specific first: a DSN or a feedback report says exactly what it is; the
# heuristics come last, and an auto-reply is asked for only once no bounce reader
# recognised the message (bounces carry Auto-Submitted too).
READERS: tuple[Callable[[Message], Return | None], ...] = (
    read_dsn,
    read_feedback,
    read_ses_mail,
    read_exim,
    read_auto_reply,
    read_heuristic,
)


def read_return(raw: bytes, *, domain: str, verify: Verify) -> Return:
    """What a returned message is and, if it carries a tag we signed, whom it is about.

    `domain` is our sending domain (the VERP addresses' and Message-IDs'); `verify`
    checks a (campaign, subscriber, tag) triple, normally `ReturnTags.verify`. Never
    raises: a message that cannot be read is `unknown` and touches no one.
    """
    key = hashlib.sha256(raw).hexdigest()
    try:
        message = message_from_bytes(raw, policy=compat32)
        found = _classified(message)
        tagged = attribute(_attribution_texts(message), domain=domain, verify=verify)
    except Exception:  # odd input of every kind: recorded as unreadable, never raised
        return Return(ReturnClass.UNKNOWN, key=key, provider="unreadable")
    if tagged is None:
        return replace(found, key=key)
    return replace(
        found, key=key, campaign_id=tagged.campaign_id, subscriber_id=tagged.subscriber_id
    )


def _classified(message: Message) -> Return:
    for reader in READERS:
        found = reader(message)
        if found is not None:
            return found
    return Return(ReturnClass.UNKNOWN, key="", diagnostic=header(message, "Subject")[:300])


def _attribution_texts(message: Message) -> Iterator[str]:
    """Where a tag of ours may be: the address the report came to, then anywhere in it."""
    for name in RECIPIENT_HEADERS:
        yield header(message, name)
    yield from all_text(message)
