"""Returned mail for tests: the corpus in tests/fixtures/returns, filled in for a reader."""

from __future__ import annotations

from pathlib import Path

from bulletin.mail.returns import ReturnTags
from tests.support.factories import SECRET

FIXTURES = Path(__file__).parent.parent / "fixtures" / "returns"


def returned_mail(
    name: str, *, campaign: int, subscriber: int, email: str, tag: str | None = None
) -> bytes:
    """The fixture `name` about the message (campaign, subscriber) sent to `email`, CRLF ends.

    Its VERP address and Message-ID carry the tag we would have signed for that pair
    (with the tests' secret), unless `tag` gives another (a forgery, say).
    """
    text = (FIXTURES / name).read_text()
    filled = (
        text.replace("{CAMPAIGN}", str(campaign))
        .replace("{SUBSCRIBER}", str(subscriber))
        .replace("{TAG}", ReturnTags(SECRET).tag(campaign, subscriber) if tag is None else tag)
        .replace("{EMAIL}", email)
    )
    return filled.replace("\n", "\r\n").encode()
