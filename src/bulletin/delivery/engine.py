"""The sending engine: claim due work, send it over pooled connections, record outcomes.

One asyncio loop per worker process runs:

- the **feeder**, which claims a batch of due rows (a short transaction in a thread),
  fills each reader's values into the campaign's pre-built skeleton, and queues the
  messages; it claims again once the queue runs low, so the relays never wait;
- **senders**, one per relay connection (`Relay.connections` each), which take
  messages from the shared queue, respect their relay's rate limits, and send;
- the **flusher**, which writes outcomes to the ledger every 50 ms in one
  transaction: accepted → sent (with the relay's reply); 4xx, dropped connections and
  unreachable relays → back in the queue with exponential back-off and jitter until
  the campaign's deadline; 5xx → failed with the reply kept;
- the **scheduler** round (in the one worker that leads, see `leader`), every second,
  beside the feeder: a round writing ledger chunks never holds up claiming.

No transaction is ever open while talking to a relay. A worker that dies leaves its
claimed rows leased; their short leases, which it renewed while alive (see `leases`),
run out within seconds and the scheduler returns the rows to the queue.
The only messages that can then go twice are those a relay accepted whose outcome
was not yet flushed: at most one flush group. A worker that is stopped gives back
what it had claimed but not sent, so a restart re-sends nothing and skips nothing.
A database that goes away (a restart, a failover) pauses claiming and recording: the
outcomes wait in memory and are written once it answers again, so none is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from bulletin import metrics
from bulletin.config import Settings
from bulletin.delivery import jobs as fill_jobs
from bulletin.delivery.composers import Composers
from bulletin.delivery.confirmations import ConfirmationJobs
from bulletin.delivery.cpu import CpuSplit, timed
from bulletin.delivery.leases import LEASE, Leases, keep_renewed
from bulletin.delivery.ledger import Ledger
from bulletin.delivery.outcomes import Job, Outcome, OutcomeRecorder
from bulletin.delivery.relays import Relay
from bulletin.delivery.rounds import Rounds
from bulletin.mail.compose import Links
from bulletin.mail.tokens import Tokens
from bulletin.mail.transports.seam import unreachable_reply
from bulletin.store.db import UNAVAILABLE, Database
from bulletin.store.ledger.sql import SqlLedger
from bulletin.store.types import utcnow

log = logging.getLogger(__name__)

TOO_LATE_S = 150.0  # a message not handed to a relay this long after its claim goes back
FLUSH_EVERY_S = 0.05
SCHEDULER_EVERY_S = 1.0
STORE_RETRY_S = 1.0
SHUTDOWN_GRACE_S = 60.0
STOP = None
T = TypeVar("T")


@dataclass
class Stats:
    claimed: int = 0
    sent: int = 0
    temporary: int = 0
    permanent: int = 0


class Engine:
    """One worker's sending engine: `ledger` is all it reads and writes (see `ledger`);
    `rounds`, where given, runs the scheduler beside it (in the worker that leads)."""

    def __init__(
        self,
        ledger: Ledger,
        settings: Settings,
        relays: Sequence[Relay],
        *,
        clock: Callable[[], datetime] = utcnow,
        rounds: Rounds | None = None,
        fresh_settings: Callable[[], Settings] | None = None,
    ) -> None:
        self.ledger = ledger
        self.settings = settings
        self.relays = list(relays)
        self.clock = clock
        self.owner = f"{socket.gethostname()[:24]}:{os.getpid()}:{id(self):x}"
        self._claims = 0
        self.batch = settings.worker_batch
        self.stats = Stats()
        self.cpu = CpuSplit()
        links = Links.from_settings(settings)
        tokens = Tokens(settings.secret_key, clock=clock)
        self._composers = _composers(links, tokens, settings)
        # The settings as they are now (the desk changes them); each claim follows them.
        self._fresh_settings = fresh_settings
        self._tokens = tokens
        self._confirmations = ConfirmationJobs(
            ledger, links, tokens, valid_hours=settings.confirm_max_age_s // 3600
        )
        self._recorder = OutcomeRecorder(ledger, settings, clock)
        self._rounds = rounds
        self._leases = Leases(ledger, self.owner, clock)
        # Loop state: touched only by the engine's coroutines, never from a thread.
        self._results: list[Outcome] = []
        self._untried: list[Job] = []
        self._in_flight = 0
        self.relays_changed = False  # the desk changed the relays: run again on the new ones
        self._fanouts_pending = True
        self._stopping = False
        # How long a stopping engine keeps trying to record outcomes while the database
        # is away: under systemd's default stop timeout (90 s), so we say what was lost.
        self.shutdown_grace_s = SHUTDOWN_GRACE_S

    @classmethod
    def on_database(
        cls,
        db: Database,
        settings: Settings,
        relays: Sequence[Relay],
        *,
        clock: Callable[[], datetime] = utcnow,
        lead: bool = True,
        fresh_settings: Callable[[], Settings] | None = None,
    ) -> Engine:
        """The engine of a worker: its ledger in `db`, and the scheduler if `lead`."""
        rounds = (
            Rounds(db, settings.briefing_rules, pause_error_rate=settings.pause_error_rate)
            if lead
            else None
        )
        return cls(
            SqlLedger(db),
            settings,
            relays,
            clock=clock,
            rounds=rounds,
            fresh_settings=fresh_settings,
        )

    # Entry points for threads and tests -------------------------------------------------

    def run_until_idle(self) -> Stats:
        """Send everything due now, then return (tests, one-shot command-line sends)."""
        _run(self.run(until_idle=True))
        return self.stats

    def run_forever(self, stop: threading.Event) -> None:
        _run(self.run(stop=stop))

    async def run(self, *, stop: threading.Event | None = None, until_idle: bool = False) -> None:
        queue: asyncio.Queue[Job | None] = asyncio.Queue()
        self._stopping = False
        senders = [
            asyncio.create_task(self._sender(relay, queue))
            for relay in self.relays
            for _ in range(relay.connections)
        ]
        log.info(
            "engine %s sending through %s", self.owner, ", ".join(r.display for r in self.relays)
        )
        flusher_stop = asyncio.Event()
        flusher = asyncio.create_task(self._flusher(flusher_stop))
        rounds_stop = asyncio.Event()
        rounds = asyncio.create_task(self._schedule(rounds_stop))
        renew_stop = asyncio.Event()  # renewing to the last: a stop may take a while
        renewer = asyncio.create_task(keep_renewed(self._leases, renew_stop, self._in_store))
        try:
            await self._feed(queue, stop=stop, until_idle=until_idle)
        finally:
            rounds_stop.set()
            await rounds
            await self._shut_down(queue, senders)
            flusher_stop.set()
            await flusher
            renew_stop.set()
            await renewer
            if self._rounds is not None:
                self._rounds.release()
            log.info("engine %s CPU (s): %s", self.owner, json.dumps(self.cpu.summary()))

    # The feeder -----------------------------------------------------------------------

    async def _feed(
        self, queue: asyncio.Queue[Job | None], *, stop: threading.Event | None, until_idle: bool
    ) -> None:
        while not (stop and stop.is_set()) and not self.relays_changed:
            claimed = await self._claim_into(queue)
            if claimed:
                continue
            if claimed is None:  # no room in the queue, or nowhere to send
                if self._all_relays_resting() and until_idle and self._idle():
                    return  # nothing in hand and nowhere to send: as idle as it gets
                await asyncio.sleep(0.01)
                continue
            if until_idle and self._idle():
                await self._round()  # it may start a send or queue what is now due
                if self._idle() and not await self._claim_into(queue):
                    return
                continue
            await asyncio.sleep(self.settings.worker_idle_s)

    async def _claim_into(self, queue: asyncio.Queue[Job | None]) -> int | None:
        """Claim a batch into the queue: how many, or None when there was no call to."""
        if queue.qsize() >= self.batch or self._all_relays_resting():
            return None
        self._claims += 1
        started = time.monotonic()
        _, claimed = await self._in_store(partial(self._claim, f"{self.owner}#{self._claims}"))
        metrics.claimed_in(time.monotonic() - started)
        if claimed is None:
            return 0
        jobs, cancelled, *seconds = claimed
        self.cpu.claimed(*seconds)
        self._in_flight += len(jobs) + len(cancelled)
        self._results += cancelled
        self.stats.claimed += len(jobs)
        for job in jobs:
            queue.put_nowait(job)
        return len(jobs) + len(cancelled)

    async def _schedule(self, stop: asyncio.Event) -> None:
        """The scheduler round every second, beside the feeder: a round writing ledger
        chunks (a second or more on PostgreSQL) must not hold up claiming and sending."""
        while not stop.is_set():
            try:
                await self._round()
            except Exception:  # the next round tries again; sending goes on meanwhile
                log.exception("the scheduler round failed; it runs again in a second")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SCHEDULER_EVERY_S)

    async def _round(self) -> None:
        done, took = await self._in_store(timed(self._scheduler_round))
        if done and took:
            self._fanouts_pending, seconds = took
            self.cpu.schedule += seconds

    def _idle(self) -> bool:
        return self._in_flight == 0 and not self._results and not self._fanouts_pending

    def _scheduler_round(self) -> bool:
        """One round (in a thread): whether fan-outs are still being written."""
        return self._rounds is not None and self._rounds.run(self.clock())

    def _claim(self, owner: str) -> tuple[list[Job], list[Outcome], float, float]:
        """Claim due work (in a thread): the jobs to send, the rows not to send, and the
        CPU seconds of claiming and of filling the messages."""
        if self._fresh_settings is not None:
            self._follow(self._fresh_settings())
            if self.relays_changed:  # claim nothing more: the next engine takes it from here
                return [], [], 0.0, 0.0
        now, started = self.clock(), time.thread_time()
        jobs = self._confirmations.claim(owner, now=now, lease=LEASE, limit=self.batch)
        claimed = self.ledger.claim(owner=owner, now=now, lease=LEASE, limit=self.batch)
        self._composers.forget_all_but(claimed.sending)
        keys = fill_jobs.prepare(self._composers, self.ledger, claimed.rows, now)
        filling = time.thread_time()
        cancelled = fill_jobs.fill(self._composers, claimed.rows, keys, jobs)
        return jobs, cancelled, filling - started, time.thread_time() - filling

    def _follow(self, settings: Settings) -> None:
        """Compose from this claim on with `settings` (in the claim thread, the one that
        composes): a footer or sender changed on the desk is in the next batch."""
        if settings is self.settings:
            return
        if settings.relay_urls != self.settings.relay_urls:
            # Senders hold connections to the old relays: this engine stops as on a
            # clean shutdown (claimed rows given back) and its runner starts a new one.
            log.info("the relays were changed on the desk: starting again on the new ones")
            self.relays_changed = True
        self.settings = settings
        links = Links.from_settings(settings)
        self._composers = _composers(links, self._tokens, settings)
        self._confirmations.links = links
        if self._rounds is not None:
            self._rounds.use_rules(settings.briefing_rules)

    @property
    def cached_campaigns(self) -> set[int]:
        """The campaigns whose message this engine holds built (for tests and operators)."""
        return self._composers.campaigns

    def _all_relays_resting(self) -> bool:
        return all(relay.health.resting > 0 for relay in self.relays)

    # Senders ----------------------------------------------------------------------------

    async def _sender(self, relay: Relay, queue: asyncio.Queue[Job | None]) -> None:
        connection = relay.connection()
        limited = relay.limit.limits
        while True:
            if relay.health.retry_at:
                await self._wait_out_rest(relay)
            job = await queue.get()
            if job is STOP:
                break
            size = connection.batch_size  # it may change: SMTP chains once a connection is open
            jobs = self._in_time([job] if size == 1 else _take_more(queue, job, size))
            if not jobs:
                continue
            if limited:
                await relay.limit.acquire(len(jobs))
            result = await connection.send_batch([job.envelope for job in jobs])
            results = self._results
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
                self._results.append(Outcome.of(job, 451, "451 not sent in time: no relay free"))
        return fresh

    def _unreachable(
        self, relay: Relay, untried: list[Job], reason: str, queue: asyncio.Queue[Job | None]
    ) -> None:
        """The relay could not be reached: it rests, and its messages go elsewhere.

        The message in hand counts one try, so the ledger says why it waits and a reader
        whose message always finds the relays down is given up on in the end; the rest
        of the batch goes back to the queue for the other relays.
        """
        rest = relay.health.failed()
        log.warning("relay %s unavailable (%s); resting %.0f s", relay.display, reason, rest)
        first, *others = untried
        self._results.append(Outcome.of(first, *unreachable_reply(relay.display, reason)))
        metrics.relay_answers(relay.display, (0,))
        for job in others:
            queue.put_nowait(job)
        self._give_back_if_stranded(queue)

    async def _wait_out_rest(self, relay: Relay) -> None:
        """A resting relay takes no messages: the other relays' senders share them meanwhile."""
        while relay.health.resting and not self._stopping:
            await asyncio.sleep(min(relay.health.resting, 0.1))

    def _give_back_if_stranded(self, queue: asyncio.Queue[Job | None]) -> None:
        """Every relay is resting: the queued messages go back to the ledger, untried.

        Not as failed attempts: a relay hanging up on one message would otherwise count
        a try against every reader queued behind it, and a few hiccups in a row would
        give up on readers no relay ever saw.
        """
        if not self._all_relays_resting():
            return
        while not queue.empty():
            job = queue.get_nowait()
            if job is STOP:
                queue.put_nowait(job)
                return
            self._untried.append(job)

    # Flushing and shutting down -----------------------------------------------------------

    async def _flusher(self, stop: asyncio.Event) -> None:
        give_up_at = float("inf")
        while True:
            stopping = stop.is_set()
            if stopping and give_up_at == float("inf"):
                give_up_at = time.monotonic() + self.shutdown_grace_s
            if time.monotonic() > give_up_at and (self._results or self._untried):
                self._abandon_unrecorded()
                return
            if self._untried:
                await self._give_back()
            if self._results:
                started = time.monotonic()
                batch, self._results = self._results, []
                recorded, took = await self._in_store(timed(partial(self._recorder.record, batch)))
                metrics.flushed_in(time.monotonic() - started)
                if not recorded:
                    self._results[:0] = batch  # kept, in order, for the next try
                    continue
                self._in_flight -= len(batch)
                self._count(batch)
                self.cpu.record += took[1] if took else 0.0
                if not stopping:  # one group per interval, however fast outcomes come
                    await asyncio.sleep(FLUSH_EVERY_S - (time.monotonic() - started))
            elif stopping:
                return
            else:
                await asyncio.sleep(FLUSH_EVERY_S)

    def _abandon_unrecorded(self) -> None:
        """Stopping, and the database has not answered for the whole grace period.

        Waiting for ever would only end in the service manager's SIGKILL, with the same
        result and no word of it: the rows stay leased, the scheduler returns them to the
        queue when the lease ends, and those a relay had accepted are sent again.
        """
        accepted = sum(1 for outcome in self._results if outcome.code and outcome.code < 300)
        log.error(
            "stopping with the database unavailable for %.0f s: %d outcomes (%d accepted by"
            " a relay) and %d unsent messages were not recorded; their rows go back to the"
            " queue when their lease ends, and the accepted ones will be sent again",
            self.shutdown_grace_s,
            len(self._results),
            accepted,
            len(self._untried),
        )
        self._results, self._untried = [], []

    async def _give_back(self) -> None:
        untried, self._untried = self._untried, []
        released, _ = await self._in_store(partial(self._recorder.release, untried))
        if not released:
            self._untried[:0] = untried
            return
        self._in_flight -= len(untried)

    async def _in_store(self, work: Callable[[], T]) -> tuple[bool, T | None]:
        """Database work in a thread; while the database cannot be reached, pause and say so.

        Returns (True, the result), or (False, None): the caller keeps what it meant to write.
        """
        try:
            return True, await asyncio.to_thread(work)
        except UNAVAILABLE as exc:
            reason = str(exc.orig or exc).splitlines()[0]
            log.warning("database unavailable (%s); trying again in %.0f s", reason, STORE_RETRY_S)
            await asyncio.sleep(STORE_RETRY_S)
            return False, None

    def _count(self, batch: list[Outcome]) -> None:
        for outcome in batch:
            if outcome.code < 300:
                self.stats.sent += 1
            elif outcome.code >= 500:
                self.stats.permanent += 1
            else:
                self.stats.temporary += 1

    async def _shut_down(
        self, queue: asyncio.Queue[Job | None], senders: list[asyncio.Task[None]]
    ) -> None:
        self._stopping = True
        unsent = [job for job in _drain(queue) if job is not STOP]
        # If the database is away these stay leased, and the sweep returns them later.
        if unsent and (await self._in_store(partial(self._recorder.release, unsent)))[0]:
            self._in_flight -= len(unsent)
        for _ in senders:
            queue.put_nowait(STOP)
        await asyncio.gather(*senders)
        # A sender whose relay went away while stopping put its batch back behind the STOPs.
        stranded = [job for job in _drain(queue) if job is not STOP]
        if stranded and (await self._in_store(partial(self._recorder.release, stranded)))[0]:
            self._in_flight -= len(stranded)


def _drain(queue: asyncio.Queue[Job | None]) -> list[Job | None]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


def _take_more(queue: asyncio.Queue[Job | None], first: Job, size: int) -> list[Job]:
    """The first job and as many more as are waiting, up to a batch of `size`."""
    jobs = [first]
    while len(jobs) < size and not queue.empty():
        job = queue.get_nowait()
        if job is STOP:
            queue.put_nowait(job)  # for whichever sender asks next: each takes one
            break
        jobs.append(job)
    return jobs


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop where it is installed (a third less CPU per message), else asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coroutine)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(coroutine)


def _composers(links: Links, tokens: Tokens, settings: Settings) -> Composers:
    counting = settings.click_tracking != "off"
    return Composers(links, tokens, count_clicks=counting, count_opens=settings.open_pixel)
