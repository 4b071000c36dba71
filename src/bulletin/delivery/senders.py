"""The engine's senders: one coroutine per relay connection, sharing the feeder's queue.

Each takes as many queued messages as its connection sends at once (SMTP chains them
once a connection is open), waits out its relay's rate limit, sends, and leaves every
reply as an outcome for the flusher. A relay that cannot be reached rests, and its
messages go to the others; when every relay rests, the queue goes back to the ledger
untried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from bulletin import metrics
from bulletin.delivery.in_hand import InHand
from bulletin.delivery.outcomes import Job, Outcome
from bulletin.delivery.relays import Relay
from bulletin.mail.transports.seam import unreachable_reply

log = logging.getLogger(__name__)

TOO_LATE_S = 150.0  # a message not handed to a relay this long after its claim goes back
STOP = None  # put once per sender: it takes it and closes its connection

Queue = asyncio.Queue[Job | None]


class Senders:
    def __init__(self, relays: Sequence[Relay], hand: InHand) -> None:
        self.relays = list(relays)
        self._hand = hand

    def start(self, queue: Queue) -> list[asyncio.Task[None]]:
        return [
            asyncio.create_task(self._send_through(relay, queue))
            for relay in self.relays
            for _ in range(relay.connections)
        ]

    def all_resting(self) -> bool:
        return all(relay.health.resting > 0 for relay in self.relays)

    async def _send_through(self, relay: Relay, queue: Queue) -> None:
        connection = relay.connection()
        limited = relay.limit.limits
        while True:
            if relay.health.retry_at:
                await self._wait_out_rest(relay)
            job = await queue.get()
            if job is STOP:
                break
            size = connection.batch_size  # it may change: SMTP chains once a connection is open
            jobs = self._in_time([job] if size == 1 else take_more(queue, job, size))
            if not jobs:
                continue
            if limited:
                await relay.limit.acquire(len(jobs))
            result = await connection.send_batch([job.envelope for job in jobs])
            results = self._hand.results  # after the await: the flusher may have swapped it
            for job, (code, text) in zip(jobs, result.replies, strict=False):
                results.append(Outcome.of(job, code, text))
            metrics.relay_answers(relay.display, (code for code, _ in result.replies))
            if result.unreachable is not None:
                self._unreachable(relay, jobs[len(result.replies) :], result.unreachable, queue)
            elif relay.health.failures:
                relay.health.ok()
        await connection.close(polite=True)

    def _in_time(self, jobs: list[Job]) -> list[Job]:
        """The jobs still worth sending; one claimed too long ago goes back to the ledger."""
        now = time.monotonic()
        if now - jobs[0].claimed_at <= TOO_LATE_S:  # claimed together: the first is oldest
            return jobs
        fresh = []
        for job in jobs:
            if now - job.claimed_at <= TOO_LATE_S:
                fresh.append(job)
            else:
                self._hand.results.append(
                    Outcome.of(job, 451, "451 not sent in time: no relay free")
                )
        return fresh

    def _unreachable(self, relay: Relay, untried: list[Job], reason: str, queue: Queue) -> None:
        """The relay could not be reached: it rests, and its messages go elsewhere.

        The message in hand counts one try, so the ledger says why it waits and a reader
        whose message always finds the relays down is given up on in the end; the rest
        of the batch goes back to the queue for the other relays.
        """
        rest = relay.health.failed()
        log.warning("relay %s unavailable (%s); resting %.0f s", relay.display, reason, rest)
        first, *others = untried
        self._hand.results.append(Outcome.of(first, *unreachable_reply(relay.display, reason)))
        metrics.relay_answers(relay.display, (0,))
        for job in others:
            queue.put_nowait(job)
        self._give_back_if_stranded(queue)

    async def _wait_out_rest(self, relay: Relay) -> None:
        """A resting relay takes no messages: the other relays' senders share them meanwhile."""
        while relay.health.resting and not self._hand.stopping:
            await asyncio.sleep(min(relay.health.resting, 0.1))

    def _give_back_if_stranded(self, queue: Queue) -> None:
        """Every relay is resting: the queued messages go back to the ledger, untried.

        Not as failed attempts: a relay hanging up on one message would otherwise count
        a try against every reader queued behind it, and a few hiccups in a row would
        give up on readers no relay ever saw.
        """
        if not self.all_resting():
            return
        while not queue.empty():
            job = queue.get_nowait()
            if job is STOP:
                queue.put_nowait(job)
                return
            self._hand.untried.append(job)


def take_more(queue: Queue, first: Job, size: int) -> list[Job]:
    """The first job and as many more as are waiting, up to a batch of `size`."""
    jobs = [first]
    while len(jobs) < size and not queue.empty():
        job = queue.get_nowait()
        if job is STOP:
            queue.put_nowait(job)  # for whichever sender asks next: each takes one
            break
        jobs.append(job)
    return jobs


def drain(queue: Queue) -> list[Job]:
    """Every job left in the queue (the STOPs among them dropped)."""
    jobs = []
    while not queue.empty():
        job = queue.get_nowait()
        if job is not STOP:
            jobs.append(job)
    return jobs
