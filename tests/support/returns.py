"""Returned mail for tests: the corpus in tests/fixtures/returns, filled in for a reader."""

from __future__ import annotations

import re
from pathlib import Path

from bulletin.mail.returns import ReturnTags
from tests.support.factories import SECRET

FIXTURES = Path(__file__).parent.parent / "fixtures" / "returns"
_VERP = re.compile(r"bounces\+c(\d+)\.s(\d+)\.k([0-9a-f]{10})@[^@]+")


def verp_pair(sender: str) -> tuple[int, int]:
    """(campaign, subscriber) of a signed VERP envelope sender as Bulletin sends it."""
    found = _VERP.fullmatch(sender)
    assert found is not None, f"not a signed VERP address: {sender}"
    return int(found.group(1)), int(found.group(2))


def returned_mail(
    name: str,
    *,
    campaign: int,
    subscriber: int,
    email: str,
    tag: str | None = None,
    salt: str | None = None,
) -> bytes:
    """The fixture `name` about the message (campaign, subscriber) sent to `email`, CRLF ends.

    Its VERP address and Message-ID carry the tag we would have signed for that pair
    (with the tests' secret), unless `tag` gives another (a forgery, say); the
    Message-IDs it quotes start with the campaign's message `salt` when one is given,
    as those of every campaign made since migration 0011 do.
    """
    text = (FIXTURES / name).read_text()
    if salt is not None:
        text = text.replace("<bulletin.c{CAMPAIGN}", f"<{salt}.bulletin.c{{CAMPAIGN}}")
    filled = (
        text.replace("{CAMPAIGN}", str(campaign))
        .replace("{SUBSCRIBER}", str(subscriber))
        .replace("{TAG}", ReturnTags(SECRET).tag(campaign, subscriber) if tag is None else tag)
        .replace("{EMAIL}", email)
    )
    return filled.replace("\n", "\r\n").encode()
