"""Returned mail for tests: the fixtures in tests/fixtures/bounces filled in for a reader."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "bounces"


def returned_mail(name: str, *, campaign: int, subscriber: int, email: str) -> bytes:
    """The fixture `name` about the message (campaign, subscriber) sent to `email`, CRLF ends."""
    text = (FIXTURES / name).read_text()
    filled = (
        text.replace("{CAMPAIGN}", str(campaign))
        .replace("{SUBSCRIBER}", str(subscriber))
        .replace("{EMAIL}", email)
    )
    return filled.replace("\n", "\r\n").encode()
