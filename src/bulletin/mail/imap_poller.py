"""Polling the bounce mailbox: each new message handed to `take`, then moved out of the way.

A round lists the messages waiting in the mailbox's folder and, one at a time in the
order they arrived, fetches one, reads whom it was for (Delivered-To, X-Original-To,
To) and from whom (Return-Path), and hands it to `take` — the same door the inbound
SMTP listener uses. Only once `take` has returned is the message moved to
`Bulletin/Processed`, so none is taken twice; a message taken just before the poller
died, and not yet moved, is taken again at the next round, which changes nothing:
returned mail is counted once by a digest of its bytes, and a reader who has left a
list cannot leave it again.

- `take` raises (the database is away): the message stays where it is and is taken
  at the next round; the round goes on with the others.
- A message that cannot be read (over 5 MB, empty, not a mail message): moved to
  `Bulletin/Unreadable`, logged as a warning and counted, never tried again.
- The mailbox cannot be reached, or refuses the login: logged without the password,
  tried again after the interval, the wait doubling with each failure up to 15
  minutes. A connection that worked and then dropped is reopened at once.

Between rounds the poller waits for new mail with IDLE when the server offers it (new
mail is taken within a second or two, and a round still runs every interval), else it
sleeps the interval. `may_poll` is asked before each round: with several workers on
PostgreSQL only the one holding the mailbox's advisory lock polls.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parseaddr

from bulletin.domain.errors import MailboxUnavailable
from bulletin.mail.imap import PROCESSED, UNREADABLE, Fetched, ImapAddress, Mailbox
from bulletin.mail.inbound import MAX_MESSAGE_BYTES, Inbound

log = logging.getLogger(__name__)

RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To")
MAX_RETRY_S = 15 * 60


@dataclass(frozen=True)
class Unreadable:
    """Why a message cannot be taken at all."""

    reason: str


@dataclass
class RoundResult:
    """What one round did: messages taken (and moved), left for the next round, moved aside."""

    taken: int = 0
    left: int = 0
    unreadable: int = 0
    aside: str = ""  # the folder unreadable messages went to, on this server

    @property
    def progressed(self) -> bool:
        return bool(self.taken or self.unreadable)


def read_inbound(raw: bytes) -> Inbound | Unreadable:
    """The message as the inbound listener would have handed it over, or why it cannot be."""
    if not raw.strip():
        return Unreadable("the message is empty")
    try:
        message = message_from_bytes(raw, policy=compat32)
        if not message.keys():
            return Unreadable("no header: not a mail message")
        recipients = _recipients(message)
        mail_from = parseaddr(str(message.get("Return-Path") or ""))[1]
    except Exception as exc:  # a header too broken to read
        return Unreadable(f"its header cannot be read ({type(exc).__name__})")
    return Inbound(mail_from, recipients, raw)


def _recipients(message: Message) -> tuple[str, ...]:
    found: dict[str, str] = {}
    for name in RECIPIENT_HEADERS:
        values = [str(v) for v in message.get_all(name) or []]
        for _, address in getaddresses(values):
            if "@" in address:
                found.setdefault(address.lower(), address)
    return tuple(found.values())


def retry_delay(failures: int, interval_s: float) -> float:
    """The wait after the `failures`-th failure in a row: the interval, doubling, capped."""
    return float(min(interval_s * 2 ** max(failures - 1, 0), max(MAX_RETRY_S, interval_s)))


class MailboxPoller:
    """Takes what arrives in the mailbox: one round (`poll_once`), or until stopped (`run`)."""

    def __init__(
        self,
        address: ImapAddress,
        take: Callable[[Inbound], None],
        *,
        interval_s: float = 60.0,
        may_poll: Callable[[], bool] = lambda: True,
        ssl_context: ssl.SSLContext | None = None,
        max_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self.address = address
        self._take = take
        self._interval_s = interval_s
        self._may_poll = may_poll
        self._ssl_context = ssl_context
        self._max_bytes = max_bytes

    def open(self) -> Mailbox:
        return Mailbox.open(self.address, ssl_context=self._ssl_context)

    def poll_once(self) -> RoundResult:
        """Connect, take everything waiting, disconnect; MailboxUnavailable if it cannot."""
        mailbox = self.open()
        try:
            return self.round(mailbox)
        finally:
            mailbox.close()

    def round(self, mailbox: Mailbox, stop: threading.Event | None = None) -> RoundResult:
        result = RoundResult()
        for uid in mailbox.waiting():
            if stop is not None and stop.is_set():
                break
            fetched = mailbox.fetch(uid, max_bytes=self._max_bytes)
            if fetched is not None:
                self._one(mailbox, fetched, result)
        return result

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set: the loop of the mailbox-poller thread."""
        mailbox: Mailbox | None = None
        failures = 0
        fresh = True  # the connection has not yet done a whole round
        try:
            while not stop.is_set():
                if not self._leads():
                    mailbox = self._drop(mailbox)
                    stop.wait(self._interval_s)
                    continue
                try:
                    if mailbox is None:
                        mailbox, fresh = self.open(), True
                    result = self.round(mailbox, stop)
                    if failures:
                        log.info("the bounce mailbox %s answers again", self.address.display)
                    failures, fresh = 0, False
                    if not result.progressed:
                        mailbox.wait_for_mail(self._interval_s, stop)
                except MailboxUnavailable as exc:
                    mailbox = self._drop(mailbox)
                    if not fresh:  # it worked, then dropped (the server hung up): reopen now
                        fresh = True
                        log.info("%s; connecting again", exc)
                        continue
                    failures += 1
                    delay = retry_delay(failures, self._interval_s)
                    log.warning("%s; trying again in %.0f s", exc, delay)
                    stop.wait(delay)
                except Exception:  # a fault of ours: keep the thread alive, try next interval
                    log.exception("polling the bounce mailbox %s failed", self.address.display)
                    mailbox = self._drop(mailbox)
                    stop.wait(self._interval_s)
        finally:
            self._drop(mailbox)

    def _one(self, mailbox: Mailbox, fetched: Fetched, result: RoundResult) -> None:
        if fetched.data is None:
            message: Inbound | Unreadable = Unreadable(
                f"{fetched.size} bytes, over the limit of {self._max_bytes}"
            )
        else:
            message = read_inbound(fetched.data)
        if isinstance(message, Unreadable):
            folder = mailbox.move(fetched.uid, UNREADABLE)
            log.warning(
                "%s: message %d cannot be taken (%s); moved to %s for a person to look at",
                self.address.display,
                fetched.uid,
                message.reason,
                folder,
            )
            result.unreadable += 1
            result.aside = folder
            return
        try:
            self._take(message)
        except Exception:  # left in place: taken again at the next round
            # The whole story once a round (the database is likely away), a line for the rest.
            log.log(
                logging.WARNING if result.left else logging.ERROR,
                "%s: message %d could not be taken; it stays for the next round",
                self.address.display,
                fetched.uid,
                exc_info=not result.left,
            )
            result.left += 1
            return
        mailbox.move(fetched.uid, PROCESSED)
        result.taken += 1

    def _leads(self) -> bool:
        try:
            return self._may_poll()
        except Exception:  # the database deciding who polls is away: nobody, for now
            log.warning("could not tell whether this process polls the mailbox", exc_info=True)
            return False

    @staticmethod
    def _drop(mailbox: Mailbox | None) -> None:
        if mailbox is not None:
            mailbox.close()
