"""Specifications for the built-in mail catcher: loopback SMTP that keeps mail in a Maildir."""

from __future__ import annotations

import os
import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from bulletin.mail.catcher import MailCatcher, caught, caught_one
from bulletin.mail.message import OutgoingMessage, build
from bulletin.mail.transports import Envelope, send_now
from tests.support.ports import free_port

SENDER = "alerts@news.example.com"


def plain_message(subject: str, to: str = "reader@readers.example.org") -> EmailMessage:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = to
    message["Subject"] = subject
    message.set_content(f"{subject}: the text.\n")
    return message


def alert_bytes(subject: str) -> bytes:
    return build(
        OutgoingMessage(
            sender=f"The Daily Example <{SENDER}>",
            to="reader@readers.example.org",
            subject=subject,
            text="The Old Bridge is closed.\n",
            html="<p>The Old Bridge is <b>closed</b>.</p>\n",
            message_id="<bulletin.c1.s1@news.example.com>",
            date=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        )
    )


def send(catcher: MailCatcher, message: EmailMessage, to: list[str] | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", catcher.port) as client:
        client.send_message(message, from_addr=SENDER, to_addrs=to)


def send_at(catcher: MailCatcher, message: EmailMessage, when: datetime) -> None:
    """Send, then give the file that arrived a known arrival time (a Maildir keeps it as mtime)."""
    before = set((catcher.maildir / "new").iterdir())
    send(catcher, message)
    (arrived,) = set((catcher.maildir / "new").iterdir()) - before
    os.utime(arrived, (when.timestamp(), when.timestamp()))


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    return tmp_path / "data" / "catcher"


@pytest.fixture
def catcher(maildir: Path) -> Iterator[MailCatcher]:
    running = MailCatcher(maildir, port=free_port())
    running.start()
    yield running
    running.stop()


def test_catcher_keeps_what_it_receives_in_a_maildir(catcher: MailCatcher, maildir: Path) -> None:
    send(catcher, plain_message("Bridge closed"))
    assert [m.subject for m in caught(maildir)] == ["Bridge closed"]
    assert len(list((maildir / "new").iterdir())) == 1


def test_caught_lists_messages_newest_first_with_subject_recipient_and_time(
    catcher: MailCatcher, maildir: Path
) -> None:
    times = [datetime(2026, 11, 25, 12, minute, tzinfo=UTC) for minute in (10, 30, 20)]
    for number, when in enumerate(times, start=1):
        send_at(catcher, plain_message(f"Alert {number}", to=f"reader{number}@example.org"), when)
    listed = caught(maildir)
    assert [m.subject for m in listed] == ["Alert 2", "Alert 3", "Alert 1"]
    assert [m.recipients for m in listed] == [
        "reader2@example.org",
        "reader3@example.org",
        "reader1@example.org",
    ]
    assert [m.received_at for m in listed] == sorted(times, reverse=True)
    assert all(m.sender == SENDER for m in listed)


def test_caught_returns_at_most_the_limit_keeping_the_newest(
    catcher: MailCatcher, maildir: Path
) -> None:
    for minute in (1, 2, 3):
        send_at(
            catcher,
            plain_message(f"Minute {minute}"),
            datetime(2026, 11, 25, 12, minute, tzinfo=UTC),
        )
    assert [m.subject for m in caught(maildir, limit=2)] == ["Minute 3", "Minute 2"]


def test_recipients_are_the_envelope_recipients_not_the_to_header(
    catcher: MailCatcher, maildir: Path
) -> None:
    send(catcher, plain_message("Copy"), to=["one@example.org", "two@example.org"])
    assert caught(maildir)[0].recipients == "one@example.org, two@example.org"


def test_caught_one_returns_the_text_and_html_bodies(catcher: MailCatcher, maildir: Path) -> None:
    with smtplib.SMTP("127.0.0.1", catcher.port) as client:
        client.sendmail(SENDER, ["reader@readers.example.org"], alert_bytes("Élection à Zürich"))
    key = caught(maildir)[0].key
    message = caught_one(maildir, key)
    assert message is not None
    assert message.subject == "Élection à Zürich"
    assert message.text.replace("\r\n", "\n") == "The Old Bridge is closed.\n"
    assert message.html.strip() == "<p>The Old Bridge is <b>closed</b>.</p>"


def test_plain_text_message_has_an_empty_html_body(catcher: MailCatcher, maildir: Path) -> None:
    send(catcher, plain_message("Text only"))
    message = caught_one(maildir, caught(maildir)[0].key)
    assert message is not None
    assert "Text only: the text." in message.text
    assert message.html == ""


def test_unknown_key_is_none(catcher: MailCatcher, maildir: Path) -> None:
    send(catcher, plain_message("Something"))
    assert caught_one(maildir, "1700000000.M1P1Q1.nowhere") is None


@pytest.mark.parametrize(
    "key", ["../../etc/passwd", "../outside", "new/../../outside", "/etc/passwd"]
)
def test_key_that_tries_to_leave_the_maildir_is_none(
    catcher: MailCatcher, maildir: Path, key: str
) -> None:
    send(catcher, plain_message("Something"))
    (maildir.parent / "outside").write_text("Subject: not a caught message\n\nsecret\n")
    assert caught_one(maildir, key) is None


def test_nothing_caught_yet_is_an_empty_list(tmp_path: Path) -> None:
    assert caught(tmp_path / "never-started") == []
    assert caught_one(tmp_path / "never-started", "any") is None


def test_catcher_takes_over_an_existing_empty_directory(tmp_path: Path) -> None:
    maildir = tmp_path / "volume"
    maildir.mkdir()  # a freshly mounted volume, say: there, but not yet a Maildir
    assert caught(maildir) == []
    catcher = MailCatcher(maildir, port=free_port())
    catcher.start()
    try:
        send(catcher, plain_message("First on the volume"))
    finally:
        catcher.stop()
    assert [m.subject for m in caught(maildir)] == ["First on the volume"]


def test_catcher_url_takes_mail_through_the_relay_seam(catcher: MailCatcher, maildir: Path) -> None:
    envelope = Envelope(
        key=7, sender=SENDER, recipient="reader@readers.example.org", data=alert_bytes("Hello")
    )
    (reply,) = send_now(catcher.url, [envelope], timeout=5)
    assert reply.accepted, reply
    assert [(m.subject, m.recipients) for m in caught(maildir)] == [
        ("Hello", "reader@readers.example.org")
    ]
