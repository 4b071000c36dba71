"""The sending engine: claim due work, send it over pooled connections, record outcomes.

One asyncio loop per worker process runs:

- the **feeder**, which claims a batch of due rows (a short transaction in a thread),
  fills each reader's values into the campaign's pre-built skeleton, and queues the
  messages; it claims again once the queue runs low, so the relays never wait;
- **senders** (`senders`), one per relay connection (`Relay.connections` each), which
  take messages from the shared queue, respect their relay's rate limits, and send;
- the **flusher** (`flusher`), which writes outcomes to the ledger every 50 ms in one
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
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from bulletin import metrics
from bulletin.config import Settings
from bulletin.delivery import jobs as fill_jobs
from bulletin.delivery.composers import Composers
from bulletin.delivery.confirmations import ConfirmationJobs
from bulletin.delivery.cpu import CpuSplit, timed
from bulletin.delivery.flusher import Flusher
from bulletin.delivery.in_hand import InHand, Stats
from bulletin.delivery.leases import LEASE, Leases, keep_renewed
from bulletin.delivery.ledger import Ledger
from bulletin.delivery.outcomes import Job, Outcome, OutcomeRecorder
from bulletin.delivery.relays import Relay
from bulletin.delivery.rounds import Rounds
from bulletin.delivery.senders import STOP, Senders, drain
from bulletin.mail.compose import Links
from bulletin.mail.tokens import Tokens
from bulletin.store.db import UNAVAILABLE, Database
from bulletin.store.ledger.sql import SqlLedger
from bulletin.store.types import utcnow

log = logging.getLogger(__name__)

SCHEDULER_EVERY_S = 1.0
STORE_RETRY_S = 1.0
SHUTDOWN_GRACE_S = 60.0
T = TypeVar("T")


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
        self._hand = InHand()  # loop state: touched by its coroutines, never from a thread
        self._senders = Senders(self.relays, self._hand)
        self.relays_changed = False  # the desk changed the relays: run again on the new ones
        self._fanouts_pending = True
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
        self._hand.stopping = False
        senders = self._senders.start(queue)
        log.info(
            "engine %s sending through %s", self.owner, ", ".join(r.display for r in self.relays)
        )
        flusher_stop = asyncio.Event()
        flushing = Flusher(
            self._hand,
            self._recorder,
            self._in_store,
            stats=self.stats,
            cpu=self.cpu,
            grace_s=self.shutdown_grace_s,
        )
        flusher = asyncio.create_task(flushing.run(flusher_stop))
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
                if self._senders.all_resting() and until_idle and self._idle():
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
        if queue.qsize() >= self.batch or self._senders.all_resting():
            return None
        self._claims += 1
        started = time.monotonic()
        _, claimed = await self._in_store(partial(self._claim, f"{self.owner}#{self._claims}"))
        metrics.claimed_in(time.monotonic() - started)
        if claimed is None:
            return 0
        jobs, cancelled, *seconds = claimed
        self.cpu.claimed(*seconds)
        self._hand.in_flight += len(jobs) + len(cancelled)
        self._hand.results += cancelled
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
        hand = self._hand
        return hand.in_flight == 0 and not hand.results and not self._fanouts_pending

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

    # The database, from the loop ------------------------------------------------------

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

    async def _shut_down(
        self, queue: asyncio.Queue[Job | None], senders: list[asyncio.Task[None]]
    ) -> None:
        self._hand.stopping = True
        unsent = drain(queue)
        # If the database is away these stay leased, and the sweep returns them later.
        if unsent and (await self._in_store(partial(self._recorder.release, unsent)))[0]:
            self._hand.in_flight -= len(unsent)
        for _ in senders:
            queue.put_nowait(STOP)
        await asyncio.gather(*senders)
        # A sender whose relay went away while stopping put its batch back behind the STOPs.
        stranded = drain(queue)
        if stranded and (await self._in_store(partial(self._recorder.release, stranded)))[0]:
            self._hand.in_flight -= len(stranded)


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
