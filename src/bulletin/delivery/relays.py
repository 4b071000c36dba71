"""Relays as the engine uses them: each with its connections, rate limits and health.

`BULLETIN_RELAYS` lists one or more relay URLs separated by spaces (the grammar, with
each relay's `connections`, `rate` and `window` options, is in
`mail.transports.addresses`). A relay whose connections cannot be opened is left
alone for a while (1 s, doubling up to 60 s) and then tried again; meanwhile the other
relays take its share.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bulletin.domain.errors import ConfigurationError
from bulletin.mail.transports import RelayConnection, RelaySpec, connection_to, parse_relay
from bulletin.mail.transports.helo import greeting_name

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class RateLimit:
    """At most `per_second` messages a second and `window_count` in any `window_s` seconds.

    The window counts messages in one-second buckets, so a daily quota of millions costs
    at most 86,400 small counters, not one entry per message.
    """

    per_second: float = 0.0
    window_s: float = 0.0
    window_count: int = 0
    clock: Clock = time.monotonic
    sleep: Sleep = asyncio.sleep
    _next_slot: float = 0.0
    _buckets: deque[list[int]] = field(default_factory=deque)
    _total: int = 0

    @property
    def limits(self) -> bool:
        """False for a relay with no limits: its senders need not ask."""
        return self.per_second > 0 or self.window_count > 0

    async def acquire(self, count: int = 1) -> None:
        """Wait until `count` more messages may go, and count them."""
        if self.per_second > 0:
            now = self.clock()
            self._next_slot = max(self._next_slot, now)
            wait = self._next_slot - now
            self._next_slot += count / self.per_second
            if wait > 0:
                await self.sleep(wait)
        while self.window_count > 0:
            now = self.clock()
            self._expire(now)
            if self._total < self.window_count:
                self._count(now, count)
                return
            await self.sleep(self._buckets[0][0] + 1 + self.window_s - now)

    def _expire(self, now: float) -> None:
        while self._buckets and self._buckets[0][0] + 1 <= now - self.window_s:
            self._total -= self._buckets.popleft()[1]

    def _count(self, now: float, count: int) -> None:
        second = int(now)
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += count
        else:
            self._buckets.append([second, count])
        self._total += count


@dataclass
class Health:
    """Consecutive times the relay could not be reached, and when to try it again."""

    failures: int = 0
    retry_at: float = 0.0
    clock: Clock = time.monotonic

    def failed(self) -> float:
        """Count a failure (once however many connections saw it) and start a rest."""
        if self.resting:
            return self.resting
        self.failures += 1
        delay = min(60.0, 2.0 ** (self.failures - 1))
        self.retry_at = self.clock() + delay
        return delay

    def ok(self) -> None:
        self.failures = 0
        self.retry_at = 0.0

    @property
    def resting(self) -> float:
        return max(0.0, self.retry_at - self.clock()) if self.retry_at else 0.0


class Relay:
    """One relay: how to reach it, how many connections, how fast, and how it is doing."""

    def __init__(
        self,
        spec: RelaySpec,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
        clock: Clock = time.monotonic,
        helo: str | None = None,
    ) -> None:
        """`helo` is the configured EHLO name (`BULLETIN_HELO_NAME`), if any."""
        self.spec = spec
        self.connections = spec.connections
        self.limit = RateLimit(
            per_second=spec.per_second,
            window_s=spec.window_s,
            window_count=spec.window_count,
            clock=clock,
        )
        self.health = Health(clock=clock)
        self._ssl = ssl_context or ssl.create_default_context()
        self._timeout = timeout
        self._helo = greeting_name(helo) if spec.smtp is not None else None

    @property
    def display(self) -> str:
        return self.spec.display

    def connection(self) -> RelayConnection:
        return connection_to(
            self.spec, ssl_context=self._ssl, timeout=self._timeout, helo=self._helo
        )


def relay_from_url(url: str, *, helo: str | None = None) -> Relay:
    return Relay(parse_relay(url), helo=helo)


def relays_from_urls(urls: Sequence[str], *, helo: str | None = None) -> list[Relay]:
    """The engine's relays (`Settings.relay_urls`, greeting with `Settings.helo_name`);
    refused if there are none."""
    if not urls:
        raise ConfigurationError("No relay: set BULLETIN_RELAYS or BULLETIN_SMTP_URL.")
    return [relay_from_url(url, helo=helo) for url in urls]
