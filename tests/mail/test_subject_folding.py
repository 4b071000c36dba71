"""A long Subject folds between words, its first word on the Subject line itself."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from bulletin.mail.message import OutgoingMessage, build


def subject_lines(subject: str) -> tuple[list[bytes], str]:
    data = build(
        OutgoingMessage(
            sender="News <news@example.com>",
            to="reader@example.org",
            subject=subject,
            text="Hello.",
            html="<p>Hello.</p>",
            message_id="<1@example.com>",
            date=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        )
    )
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    start = next(i for i, line in enumerate(head) if line.startswith(b"Subject:"))
    lines = [head[start]]
    lines += [line for line in head[start + 1 :] if line.startswith(b" ")][:10]
    parsed = message_from_bytes(data, policy=policy.default)
    return lines, str(parsed["Subject"])


@pytest.mark.parametrize("length", range(68, 80))
def test_subjects_of_70_to_77_characters_never_leave_an_empty_first_line(length: int) -> None:
    subject = ("Levee breaks north of the city as residents flee " * 3)[:length].strip()
    lines, parsed = subject_lines(subject)

    assert lines[0].startswith(b"Subject: ") and lines[0] != b"Subject:"
    assert parsed == subject
    assert all(len(line) <= 78 for line in lines)
