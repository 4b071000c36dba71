"""A transport that keeps messages in a list: for tests and dry runs."""

from __future__ import annotations

from collections.abc import Sequence

from bulletin.mail.transports.base import Envelope, SendResult


class MemoryTransport:
    def __init__(self) -> None:
        self.outbox: list[Envelope] = []

    def send_batch(self, envelopes: Sequence[Envelope]) -> SendResult:
        result = SendResult()
        for envelope in envelopes:
            self.outbox.append(envelope)
            result.add(envelope.key, 250, "250 stored in memory")
        return result

    def close(self) -> None:
        pass
