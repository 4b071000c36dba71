"""Relays: where the engine sends, each with its own connections, rate limits and health.

`BULLETIN_RELAYS` lists one or more relay URLs separated by spaces; each may carry
options in its query string:

    smtp://user:pass@mx1.example.net:587?connections=16&rate=500&window=3600:1000000

- `connections`: how many connections to keep open to it (default 16);
- `rate`: at most this many messages per second (default: no limit);
- `window`: `SECONDS:COUNT`, at most COUNT messages in any SECONDS (a provider's hourly
  or daily quota);
- `starttls`: as for `BULLETIN_SMTP_URL`.

A relay whose connections keep failing is left alone for a while (1 s, doubling up to
60 s) and then tried again; meanwhile the other relays take its share.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from bulletin.domain.errors import ConfigurationError
from bulletin.mail.transports.smtp import parse_relay_url
from bulletin.mail.transports.smtp_async import SmtpConnection

DEFAULT_CONNECTIONS = 16


class RelayConnection(Protocol):
    async def open(self) -> None: ...

    async def send(
        self, sender: str, recipient: str, data: bytes, *, eight_bit: bool
    ) -> tuple[int, str]: ...

    async def close(self, *, polite: bool = False) -> None: ...


@dataclass
class RateLimit:
    """At most `per_second` messages a second and `window_count` in any `window_s` seconds.

    The window counts messages in one-second buckets, so a daily quota of millions costs
    at most 86,400 small counters, not one entry per message.
    """

    per_second: float = 0.0
    window_s: float = 0.0
    window_count: int = 0
    _next_slot: float = 0.0
    _buckets: deque[list[int]] = field(default_factory=deque)
    _total: int = 0

    @property
    def limits(self) -> bool:
        """False for a relay with no limits: its senders need not ask."""
        return self.per_second > 0 or self.window_count > 0

    async def acquire(self) -> None:
        if self.per_second > 0:
            now = time.monotonic()
            self._next_slot = max(self._next_slot, now)
            wait = self._next_slot - now
            self._next_slot += 1.0 / self.per_second
            if wait > 0:
                await asyncio.sleep(wait)
        while self.window_count > 0:
            now = time.monotonic()
            self._expire(now)
            if self._total < self.window_count:
                self._count(now)
                return
            await asyncio.sleep(self._buckets[0][0] + 1 + self.window_s - now)

    def _expire(self, now: float) -> None:
        while self._buckets and self._buckets[0][0] + 1 <= now - self.window_s:
            self._total -= self._buckets.popleft()[1]

    def _count(self, now: float) -> None:
        second = int(now)
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += 1
        else:
            self._buckets.append([second, 1])
        self._total += 1


@dataclass
class Health:
    """Consecutive connection failures, and when the relay may be tried again."""

    failures: int = 0
    retry_at: float = 0.0

    def failed(self) -> float:
        """Count a failure (once however many connections saw it) and start a rest."""
        if self.resting:
            return self.resting
        self.failures += 1
        delay = min(60.0, 2.0 ** (self.failures - 1))
        self.retry_at = time.monotonic() + delay
        return delay

    def ok(self) -> None:
        self.failures = 0
        self.retry_at = 0.0

    @property
    def resting(self) -> float:
        return max(0.0, self.retry_at - time.monotonic())


class Relay:
    """One relay: how to connect to it, how many connections, and how fast."""

    def __init__(
        self,
        url: str,
        *,
        connections: int = DEFAULT_CONNECTIONS,
        limit: RateLimit | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.connections = connections
        self.limit = limit or RateLimit()
        self.health = Health()
        self._address = None if url == "memory" else parse_relay_url(url)
        self._ssl = ssl_context or ssl.create_default_context()
        self._timeout = timeout
        self.memory: list[tuple[str, str, bytes]] = []

    @property
    def display(self) -> str:
        return self._address.display if self._address else "memory"

    def connection(self) -> RelayConnection:
        if self._address is None:
            return MemoryConnection(self.memory)
        return SmtpConnection(self._address, ssl_context=self._ssl, timeout=self._timeout)


class MemoryConnection:
    """Accepts everything into a list: the `memory` relay, for tests and dry runs."""

    def __init__(self, box: list[tuple[str, str, bytes]]) -> None:
        self._box = box

    async def open(self) -> None:
        return None

    async def send(
        self, sender: str, recipient: str, data: bytes, *, eight_bit: bool
    ) -> tuple[int, str]:
        self._box.append((sender, recipient, data))
        return 250, "250 stored in memory"

    async def close(self, *, polite: bool = False) -> None:
        return None


def relays_from_config(relays: str | None, smtp_url: str | None) -> list[Relay]:
    """The relays from `BULLETIN_RELAYS`, else the single `BULLETIN_SMTP_URL`."""
    urls = (relays or "").split() or ([smtp_url] if smtp_url else [])
    if not urls:
        raise ConfigurationError("No relay: set BULLETIN_RELAYS or BULLETIN_SMTP_URL.")
    return [relay_from_url(url) for url in urls]


def relay_from_url(url: str) -> Relay:
    if url == "memory":
        return Relay(url)
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        connections = int(query.pop("connections", DEFAULT_CONNECTIONS))
        rate = float(query.pop("rate", 0))
        window_s, window_count = _window(query.pop("window", ""))
    except ValueError as exc:
        raise ConfigurationError(f"Bad relay options in {_safe(url)}: {exc}") from exc
    if connections < 1:
        raise ConfigurationError(f"A relay needs at least one connection: {_safe(url)}")
    clean = urlunsplit(parts._replace(query=urlencode(query)))
    limit = RateLimit(per_second=rate, window_s=window_s, window_count=window_count)
    return Relay(clean, connections=connections, limit=limit)


def _window(text: str) -> tuple[float, int]:
    if not text:
        return 0.0, 0
    seconds, _, count = text.partition(":")
    return float(seconds), int(count)


def _safe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}:{parts.port or ''}"
