"""RFC 3463 enhanced status codes (and the IANA registry's later ones) read as classes.

An enhanced code is class.subject.detail: 2 success, 4 persistent transient failure,
5 permanent failure; subject 1 addressing, 2 mailbox, 3 mail system, 4 network and
routing, 5 protocol, 6 content, 7 security and policy. Only what a code says about
the *reader's address* may suppress them; everything about our own message, our
servers or our reputation is the newsroom's problem (`SENDER`).
"""

from __future__ import annotations

import re

from bulletin.mail.returns.model import ReturnClass

A = ReturnClass

# An enhanced code inside text: not part of a longer dotted number (an IP address), and
# with a subject RFC 3463 defines (0-7), so a version number ("Exim 4.94.2") is not one.
ENHANCED = re.compile(r"(?<![\d.])([245])\.([0-7])\.(\d{1,3})(?![\d]|\.\d)")
# A basic SMTP reply code at the start of a reply ("550 ", "550-", "smtp; 550").
REPLY = re.compile(r"(?<![\w.])([245][0-5]\d)(?=[ -]|$)", re.MULTILINE)

# Permanent (5.s.d) codes whose detail says more than their subject does.
PERMANENT_DETAIL: dict[tuple[int, int], ReturnClass] = {
    (1, 5): A.UNKNOWN,  # destination address valid: not a failure of the address
    (1, 7): A.SENDER,  # bad sender's mailbox address syntax: our envelope sender
    (1, 8): A.SENDER,  # bad sender's system address: our envelope sender's domain
    (1, 9): A.UNKNOWN,  # relayed to a non-compliant mailer (RFC 3886)
    (2, 3): A.SENDER,  # message length exceeds administrative limit: our message
    (2, 4): A.UNKNOWN,  # mailing list expansion problem
    (3, 3): A.SENDER,  # system not capable of selected features: our message
    (3, 4): A.SENDER,  # message too big for system: our message
    (4, 4): A.ADDRESS,  # unable to route: the domain has no mail host at all
    (7, 13): A.MAILBOX,  # user account disabled (RFC 5248)
    (7, 17): A.ADDRESS,  # mailbox owner has changed (RFC 7293)
    (7, 18): A.ADDRESS,  # domain owner has changed (RFC 7293)
}
PERMANENT_SUBJECT: dict[int, ReturnClass] = {
    1: A.ADDRESS,  # bad mailbox or domain, null MX (5.1.10), moved (5.1.6)
    2: A.MAILBOX,  # mailbox disabled (5.2.1) or full (5.2.2)
    3: A.MAILBOX,  # the reader's mail system is full or not accepting mail
    4: A.UNKNOWN,  # network trouble on the way: says nothing about the reader
    5: A.SENDER,  # protocol errors: our relay's conversation
    6: A.SENDER,  # content and media: our message
    7: A.SENDER,  # security and policy: authentication, reputation, blocklists, spam
}
TRANSIENT_DETAIL: dict[tuple[int, int], ReturnClass] = {
    (2, 2): A.MAILBOX,  # mailbox full
}
TRANSIENT_SUBJECT: dict[int, ReturnClass] = {
    7: A.SENDER,  # policy deferrals: rate limiting, reputation, authentication
}


def parse(text: str | None) -> str | None:
    """The first enhanced code in `text` ("5.1.1"), normalised, or None."""
    if not text:
        return None
    found = ENHANCED.search(text)
    if found is None:
        return None
    return ".".join(str(int(part)) for part in found.groups())


def is_generic(code: str | None) -> bool:
    """True when a code says only success/temporary/permanent (x.0.0), or there is none."""
    return code is None or code.endswith(".0.0")


def reply_code(text: str | None) -> int | None:
    """The first basic SMTP reply code in `text` (550), or None."""
    if not text:
        return None
    found = REPLY.search(text)
    return int(found.group(1)) if found else None


def classify_code(code: str) -> ReturnClass | None:
    """The class a specific enhanced code means; None for a generic or unreadable one."""
    try:
        kind, subject, detail = (int(part) for part in code.split("."))
    except ValueError:
        return None
    if kind == 2:
        return A.DELIVERED
    if (subject, detail) == (0, 0):
        return None
    if kind == 4:
        found = TRANSIENT_DETAIL.get((subject, detail)) or TRANSIENT_SUBJECT.get(subject)
        return found or A.TEMPORARY
    if kind == 5:
        found = PERMANENT_DETAIL.get((subject, detail)) or PERMANENT_SUBJECT.get(subject)
        return found or A.UNKNOWN
    return None
