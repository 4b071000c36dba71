"""The memory relay: accepts every message into a list in this process (tests, dry runs).

Relays named `memory` share one box, `memory://NAME` has its own; the engine's sends and
test sends made in one process land in the same box, so a test reads what went out.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import NamedTuple

from bulletin.mail.transports.seam import BatchResult, Envelope, Reply

STORED = Reply(250, "250 stored in memory")


class Stored(NamedTuple):
    sender: str
    recipient: str
    data: bytes


class MemoryBox:
    """The messages one memory relay has accepted, safe to read from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[Stored] = []

    @property
    def messages(self) -> list[Stored]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def keep(self, envelopes: Sequence[Envelope]) -> None:
        with self._lock:
            self._messages.extend(Stored(e.sender, e.recipient, e.data) for e in envelopes)


_boxes: dict[str, MemoryBox] = {}
_boxes_lock = threading.Lock()


def memory_box(name: str = "memory") -> MemoryBox:
    """The box of the memory relay of this name (made on first use)."""
    with _boxes_lock:
        return _boxes.setdefault(name, MemoryBox())


class MemoryConnection:
    """A `RelayConnection` that keeps every message in its box."""

    batch_size = 500

    def __init__(self, box: MemoryBox) -> None:
        self._box = box

    async def send_batch(self, envelopes: Sequence[Envelope]) -> BatchResult:
        self._box.keep(envelopes)
        return BatchResult([STORED] * len(envelopes))

    async def close(self, *, polite: bool = False) -> None:
        return None
