"""A relay whose answers a test scripts per recipient, behind the real relay seam, in memory."""

from __future__ import annotations

from collections.abc import Sequence

from bulletin.delivery.relays import Relay
from bulletin.mail.transports import BatchResult, Envelope, Reply, parse_relay

ACCEPTED = Reply(250, "250 2.0.0 queued")


class ScriptedRelay(Relay):
    """Accepts everything but what `replies` names; with `unreachable`, cannot be reached."""

    def __init__(
        self,
        replies: dict[str, Reply] | None = None,
        *,
        unreachable: str | None = None,
        connections: int = 1,
    ) -> None:
        super().__init__(parse_relay(f"memory://scripted?connections={connections}"))
        self.replies = replies or {}
        self.unreachable = unreachable
        self.accepted: list[Envelope] = []
        self.asked: list[str] = []

    def connection(self) -> _ScriptedConnection:
        return _ScriptedConnection(self)


class _ScriptedConnection:
    batch_size = 1

    def __init__(self, relay: ScriptedRelay) -> None:
        self._relay = relay

    async def send_batch(self, envelopes: Sequence[Envelope]) -> BatchResult:
        relay = self._relay
        if relay.unreachable is not None:
            return BatchResult([], relay.unreachable)
        replies = []
        for envelope in envelopes:
            relay.asked.append(envelope.recipient)
            reply = relay.replies.get(envelope.recipient, ACCEPTED)
            if reply.accepted:
                relay.accepted.append(envelope)
            replies.append(reply)
        return BatchResult(replies)

    async def close(self, *, polite: bool = False) -> None:
        return None
