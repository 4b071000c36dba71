"""The transport seam: hand over a batch of messages, get back what became of each.

A transport takes envelopes (envelope sender, one recipient, the message bytes, and
a key the caller uses to find its ledger row) and returns a `SendResult` that sorts
every key into exactly one of three groups:

- `sent`: the relay accepted the message (2xx after DATA). The relay's reply is kept.
- `temporary`: try again later: a 4xx reply, a dropped connection, a relay that could
  not be reached. Nothing about the recipient is wrong.
- `permanent`: a 5xx reply: this message will never be accepted as it is.

Partial failure is data, not an exception: a batch where one recipient is refused
still reports the others as sent. A transport raises nothing for relay trouble; it
reports the affected keys as temporary with the reason. Transports are used from one
thread at a time and may keep connections open between batches until `close()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol


class Envelope(NamedTuple):
    """One message to one reader. A named tuple: the engine makes one per message, and a
    frozen dataclass costs four times as much to make."""

    key: int
    sender: str
    recipient: str
    data: bytes
    eight_bit: bool = False


@dataclass
class SendResult:
    sent: list[tuple[int, str]] = field(default_factory=list)
    temporary: list[tuple[int, str]] = field(default_factory=list)
    permanent: list[tuple[int, str]] = field(default_factory=list)

    def add(self, key: int, code: int, reply: str) -> None:
        """File one outcome under its SMTP reply code."""
        {"sent": self.sent, "temporary": self.temporary, "permanent": self.permanent}[
            classify_reply(code)
        ].append((key, reply))


def classify_reply(code: int) -> str:
    if 200 <= code < 300:
        return "sent"
    if 500 <= code < 600:
        return "permanent"
    return "temporary"


class Transport(Protocol):
    def send_batch(self, envelopes: Sequence[Envelope]) -> SendResult:
        """Deliver each envelope, reporting every key as sent, temporary or permanent."""
        ...

    def close(self) -> None:
        """Release connections; the transport may be used again afterwards."""
        ...
