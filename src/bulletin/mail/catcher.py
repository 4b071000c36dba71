"""The built-in mail catcher: an SMTP server on loopback that keeps what it receives.

Used when no relay is configured, so a fresh install works end to end without a mail
server. Messages are kept in a Maildir (one file per message, readable by any mail
tool) under the data directory; the desk lists and shows them.
"""

from __future__ import annotations

import mailbox
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope

_LINK = re.compile(r"https?://[^\s<>\"]+")


@dataclass(frozen=True)
class CaughtMessage:
    key: str
    subject: str
    sender: str
    recipients: str
    received_at: datetime
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def links(self) -> list[str]:
        """The web links in the plain-text body, in order, each once (confirm, unsubscribe…)."""
        return list(dict.fromkeys(_LINK.findall(self.text)))

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


class _Handler:
    def __init__(self, maildir: Path) -> None:
        maildir.parent.mkdir(parents=True, exist_ok=True)
        # The directory may exist but be empty (a fresh volume): Maildir only makes
        # its subdirectories when it makes the directory itself.
        for part in (maildir, maildir / "tmp", maildir / "new", maildir / "cur"):
            part.mkdir(mode=0o700, exist_ok=True)
        self.box = mailbox.Maildir(maildir, create=False)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:
        content = envelope.original_content or b""
        trace = (
            f"Return-Path: <{envelope.mail_from}>\r\n"
            f"Delivered-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        self.box.add(mailbox.MaildirMessage(trace + content))
        return "250 Message accepted for delivery"


class MailCatcher:
    """An SMTP server on loopback writing every message it accepts to a Maildir."""

    def __init__(self, maildir: Path, *, host: str = "127.0.0.1", port: int = 2525) -> None:
        self.maildir = maildir
        self._controller = Controller(_Handler(maildir), hostname=host, port=port)

    @property
    def port(self) -> int:
        return int(self._controller.port)

    @property
    def url(self) -> str:
        return f"smtp://{self._controller.hostname}:{self.port}?starttls=off"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


def caught(maildir: Path, *, limit: int = 200) -> list[CaughtMessage]:
    """What the catcher holds, newest first."""
    box = _box(maildir)
    if box is None:
        return []
    messages = [_read(box, key) for key in box.iterkeys()]
    messages.sort(key=lambda m: (m.received_at, m.key), reverse=True)
    return messages[:limit]


def caught_one(maildir: Path, key: str) -> CaughtMessage | None:
    box = _box(maildir)
    if box is None:
        return None
    try:
        return _read(box, key)
    except KeyError:
        return None


def _box(maildir: Path) -> mailbox.Maildir | None:
    """The Maildir, or None while the catcher has not yet made one there."""
    if not all((maildir / part).is_dir() for part in ("new", "cur")):
        return None
    return mailbox.Maildir(maildir, create=False)


def _read(box: mailbox.Maildir, key: str) -> CaughtMessage:
    with box.get_file(key) as handle:
        raw = handle.read()
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return CaughtMessage(
        key=key,
        subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")),
        recipients=str(message.get("Delivered-To", message.get("To", ""))),
        received_at=datetime.fromtimestamp(box.get_message(key).get_date(), UTC),
        message=message,
    )
