"""The engine's flusher: the senders' outcomes written to the ledger, one group at a time.

Every `FLUSH_EVERY_S` it records what the senders left (accepted → sent, 4xx and dropped
connections → retried with back-off, 5xx → failed) in one transaction, and gives back
the jobs no relay tried. While the database is away the outcomes wait in memory, in
order, and go in once it answers; a stopping engine waits for that only so long.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from bulletin import metrics
from bulletin.delivery.cpu import CpuSplit, timed
from bulletin.delivery.in_hand import InHand, Stats
from bulletin.delivery.outcomes import Outcome, OutcomeRecorder

log = logging.getLogger(__name__)

FLUSH_EVERY_S = 0.05

# Runs database work in a thread: (True, its result), or (False, None) while the
# database cannot be reached (the engine's `_in_store`).
InStore = Callable[[Callable[[], Any]], Awaitable[tuple[bool, Any]]]


class Flusher:
    def __init__(
        self,
        hand: InHand,
        recorder: OutcomeRecorder,
        in_store: InStore,
        *,
        stats: Stats,
        cpu: CpuSplit,
        grace_s: float,
    ) -> None:
        self._hand = hand
        self._recorder = recorder
        self._in_store = in_store
        self._stats = stats
        self._cpu = cpu
        self._grace_s = grace_s

    async def run(self, stop: asyncio.Event) -> None:
        hand = self._hand
        give_up_at = float("inf")
        while True:
            stopping = stop.is_set()
            if stopping and give_up_at == float("inf"):
                give_up_at = time.monotonic() + self._grace_s
            if time.monotonic() > give_up_at and (hand.results or hand.untried):
                self._abandon_unrecorded()
                return
            if hand.untried:
                await self._give_back()
            if hand.results:
                started = time.monotonic()
                if not await self._record() or stopping:
                    continue
                # One group per interval, however fast outcomes come.
                await asyncio.sleep(FLUSH_EVERY_S - (time.monotonic() - started))
            elif stopping:
                return
            else:
                await asyncio.sleep(FLUSH_EVERY_S)

    async def _record(self) -> bool:
        """Write the outcomes in hand as one group; False (kept, in order) when it could not."""
        hand = self._hand
        started = time.monotonic()
        batch, hand.results = hand.results, []
        recorded, took = await self._in_store(timed(partial(self._recorder.record, batch)))
        metrics.flushed_in(time.monotonic() - started)
        if not recorded:
            hand.results[:0] = batch  # kept, in order, for the next try
            return False
        hand.in_flight -= len(batch)
        self._count(batch)
        self._cpu.record += took[1] if took else 0.0
        return True

    def _abandon_unrecorded(self) -> None:
        """Stopping, and the database has not answered for the whole grace period.

        Waiting for ever would only end in the service manager's SIGKILL, with the same
        result and no word of it: the rows stay leased, the scheduler returns them to the
        queue when the lease ends, and those a relay had accepted are sent again.
        """
        hand = self._hand
        accepted = sum(1 for outcome in hand.results if outcome.code and outcome.code < 300)
        log.error(
            "stopping with the database unavailable for %.0f s: %d outcomes (%d accepted by"
            " a relay) and %d unsent messages were not recorded; their rows go back to the"
            " queue when their lease ends, and the accepted ones will be sent again",
            self._grace_s,
            len(hand.results),
            accepted,
            len(hand.untried),
        )
        hand.results, hand.untried = [], []

    async def _give_back(self) -> None:
        hand = self._hand
        untried, hand.untried = hand.untried, []
        released, _ = await self._in_store(partial(self._recorder.release, untried))
        if not released:
            hand.untried[:0] = untried
            return
        hand.in_flight -= len(untried)

    def _count(self, batch: list[Outcome]) -> None:
        stats = self._stats
        for outcome in batch:
            if outcome.code < 300:
                stats.sent += 1
            elif outcome.code >= 500:
                stats.permanent += 1
            else:
                stats.temporary += 1
