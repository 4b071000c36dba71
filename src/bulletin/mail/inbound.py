"""The inbound SMTP listener: returned mail and mailto unsubscribes for our own addresses.

It accepts mail only for the addresses Bulletin gives out on the sender's domain — the
VERP return paths (`bounces+…@domain`) and the `List-Unsubscribe` mailbox
(`unsubscribe@domain`) — and refuses everything else at RCPT, so it is no open relay
and no spam trap. Each message is handed to `deliver` in a worker thread (it writes to
the database); the relay hears 250 once that is done, and 451 if it failed, so a
message is never acknowledged and then lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

BOUNCE_LOCAL_PREFIX = "bounces+"
UNSUBSCRIBE_LOCAL = "unsubscribe"
MAX_MESSAGE_BYTES = 5 * 1024 * 1024  # a DSN quoting a large original; past this, refused
MAX_RECIPIENTS = 50
IDLE_TIMEOUT_S = 60


@dataclass(frozen=True)
class Inbound:
    """One message received: who sent it (the envelope), to which of our addresses, the bytes."""

    mail_from: str
    recipients: tuple[str, ...]
    data: bytes

    @property
    def is_unsubscribe(self) -> bool:
        return any(r.partition("@")[0].lower() == UNSUBSCRIBE_LOCAL for r in self.recipients)


def is_ours(address: str, domain: str) -> bool:
    """One of the addresses this listener takes mail for."""
    local, _, at = address.rpartition("@")
    if at.lower() != domain.lower():
        return False
    local = local.lower()
    return local == UNSUBSCRIBE_LOCAL or local.startswith(BOUNCE_LOCAL_PREFIX)


class _Handler:
    def __init__(self, domain: str, deliver: Callable[[Inbound], None]) -> None:
        self.domain = domain
        self.deliver = deliver

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not is_ours(address, self.domain):
            return "550 5.1.1 No such user here"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = Inbound(
            str(envelope.mail_from or ""),
            tuple(envelope.rcpt_tos),
            bytes(envelope.original_content or b""),
        )
        try:
            await asyncio.to_thread(self.deliver, message)
        except Exception:  # the sender keeps the message and tries again later
            log.exception("could not take in a message for %s", ", ".join(message.recipients))
            return "451 4.3.0 Not taken in just now; please try again later"
        return "250 2.0.0 Taken in"


class InboundListener:
    """An aiosmtpd server taking mail for our addresses on `domain` (start, then stop)."""

    def __init__(
        self,
        deliver: Callable[[Inbound], None],
        *,
        domain: str,
        host: str = "127.0.0.1",
        port: int = 2526,
        max_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self._controller = Controller(
            _Handler(domain, deliver),
            hostname=host,
            port=port,
            data_size_limit=max_bytes,
            timeout=IDLE_TIMEOUT_S,
        )

    @property
    def host(self) -> str:
        return str(self._controller.hostname)

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
