"""Short leases on claimed rows, kept alive by the live worker, so a dead one's go back soon.

A claim leases its rows for `LEASE` (15 s). While the worker lives, `Leases.renew_due`
extends every lease it holds every `RENEW_EVERY` (5 s), in one statement per table
whatever the number of claims, from a coroutine of its own (`keep_renewed`): neither a
long scheduler round nor a busy feeder holds it up. A worker killed with SIGKILL stops
renewing; its leases end at most `LEASE` after its death, and the next sweep (every
second) puts its rows back in the queue: its readers wait about 16 s, not 5 minutes.

The other side is a worker that lives but cannot reach the database (a restart, a
failover): it cannot renew either, and its leases may run out meanwhile. A renewal takes
back every row still in its name, run out or not (until the sweep clears the owner
nobody else can have it), and a sweeper that has itself just lost the database
(`SweepGuard`) waits for one whole lease of answers before sweeping again, which gives
every live worker a lease's time to renew first: their rows are not re-sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bulletin.delivery.ledger import Ledger

LEASE = timedelta(seconds=15)
RENEW_EVERY = timedelta(seconds=5)
TICK_S = 1.0  # how often the renewer looks; a failed renewal is tried again this soon


class Leases:
    """The leases of one engine's claims (owners `worker#n`), renewed on its clock."""

    def __init__(self, ledger: Ledger, worker: str, clock: Callable[[], datetime]) -> None:
        self._ledger = ledger
        self.worker = worker
        self._clock = clock
        self._last: datetime | None = None

    def renew_due(self) -> int:
        """Renew if the last renewal is RENEW_EVERY old (in a thread): how many rows."""
        now = self._clock()
        if self._last is not None and now - self._last < RENEW_EVERY:
            return 0
        renewed = self._ledger.renew(worker=self.worker, now=now, until=now + LEASE)
        self._last = now  # only once it worked: a failed renewal is retried next tick
        return renewed


async def keep_renewed(
    leases: Leases,
    stop: asyncio.Event,
    in_store: Callable[[Callable[[], int]], Awaitable[Any]],
) -> None:
    """Renew until `stop`: `in_store` runs the renewal in a thread and waits out outages."""
    while not stop.is_set():
        await in_store(leases.renew_due)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TICK_S)


class SweepGuard:
    """Whether the sweeper may return expired leases now.

    A process that starts sweeps at once (the workers it follows had the database all
    along); one whose database went away waits, once it answers again, a whole lease,
    so the live workers renew what they hold before anything of theirs counts as dead.
    """

    def __init__(self) -> None:
        self._since: datetime | None = None
        self._lost = False

    def may_sweep(self, now: datetime) -> bool:
        if self._since is None:
            self._since = now if self._lost else now - LEASE
        return now - self._since >= LEASE

    def lost(self) -> None:
        """The database did not answer: the next answers start a new wait."""
        self._since, self._lost = None, True
