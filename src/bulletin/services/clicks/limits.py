"""The per-client limit on `/r/…`: fixed windows counted in a dictionary, nothing else.

The `limits` library's in-memory store (the sign-up limits') keeps a timer thread that
walks every key a hundred times a second; after a breaking alert the keys are the
addresses of a good share of the readers, and that walk would take the web process.
Here each rate is a window (a minute, an hour) whose counts are one dictionary, thrown
away whole when the window turns: a hit is a dictionary update. Fixed windows let a
client make up to twice a rate across a window's turn; that is the price of holding
no timestamps. At most `max_clients` addresses are counted per window; past that, new
ones are let through uncounted (as when Redis is down for the sign-up limits): the
limit keeps one client from inflating the counts, and no client can add rows by
clicking (a message's first click per link is one row, and only signed reader parts
make one).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from limits import parse_many

MAX_CLIENTS = 200_000


@dataclass
class _Window:
    limit: int
    seconds: int
    turn: int = -1
    counts: dict[str, int] = field(default_factory=dict)


class ClientLimits:
    def __init__(
        self,
        rates: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        """`rates` as the settings write them: `120/minute;1200/hour`."""
        self._windows = [_Window(r.amount, r.get_expiry()) for r in parse_many(rates)]
        self._clock = clock
        self._max = max_clients

    def admit(self, client: str) -> bool:
        """Count a request from `client`; False once it is past any of the rates."""
        now = self._clock()
        allowed = True
        for window in self._windows:
            turn = int(now // window.seconds)
            if turn != window.turn:
                window.turn, window.counts = turn, {}
            count = window.counts.get(client)
            if count is None and len(window.counts) >= self._max:
                continue
            count = (count or 0) + 1
            window.counts[client] = count
            allowed = allowed and count <= window.limit
        return allowed
