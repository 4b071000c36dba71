"""Clicks counted in memory and written in batches, off the redirect's path.

The redirect only appends its click to a list (`accept`, on the event loop). Every
second `take` judges the clicks old enough to judge (a burst needs `burst_s` of
hindsight, see `domain.clicks`) into one `Batch` of plain values: (clicks, ignored)
per link, and each message's first click on each link. `write` adds a batch to the
database in one transaction, in a thread. A batch that cannot be written (the database
away) is kept and written with the next one; on a clean stop `close` judges everything
still held and writes it, so a restart loses no click.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bulletin import metrics
from bulletin.domain.clicks import Click, ScannerRules, Verdict
from bulletin.store import clicks as store
from bulletin.store.clicks import FirstClick
from bulletin.store.db import Database

log = logging.getLogger(__name__)

PURPOSE = b"bulletin.clicker.v1"
FLUSH_EVERY_S = 1.0


@dataclass
class Batch:
    totals: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    firsts: dict[tuple[int, int, str], FirstClick] = field(default_factory=dict)
    verdicts: Counter[Verdict] = field(default_factory=Counter)

    def __bool__(self) -> bool:
        return bool(self.totals or self.firsts)

    def add(self, click: Click, verdict: Verdict, first: FirstClick | None) -> None:
        key = (click.campaign_id, click.position)
        counted, ignored = self.totals.get(key, (0, 0))
        if verdict is Verdict.COUNTED:
            counted += 1
        else:
            ignored += 1
        self.totals[key] = (counted, ignored)
        self.verdicts[verdict] += 1
        if first is not None:
            known = self.firsts.get((first.campaign_id, first.position, first.clicker))
            if known is None or first.at < known.at:
                self.firsts[(first.campaign_id, first.position, first.clicker)] = first

    @property
    def counted(self) -> int:
        return sum(counted for counted, _ in self.totals.values())


class ClickRecorder:
    def __init__(
        self,
        db: Database,
        *,
        secret_key: str,
        rules: ScannerRules,
        started: Callable[[int], datetime | None],
        per_reader: bool,
        clock: Callable[[], datetime],
    ) -> None:
        """`started(campaign)`: when the campaign began sending, as the link map holds it."""
        self._db = db
        self._rules = rules
        self._started = started
        self._per_reader = per_reader
        self._clock = clock
        self._keyed = hashlib.blake2s(
            key=hmac.digest(secret_key.encode(), PURPOSE, "sha256"), digest_size=8
        )
        self._pending: list[tuple[Click, Verdict | None]] = []
        self._recent: list[Click] = []  # judged, kept `burst_s` for hindsight
        self._unwritten = Batch()
        self.accepted = 0
        self.written = 0  # clicks counted and written (the benchmark compares them)

    def accept(self, click: Click, *, limited: bool = False) -> None:
        """Hold one click: the redirect's only work for it (judging waits for `take`).
        `limited`: past the client's rate limit, so set aside whatever it is."""
        self.accepted += 1
        self._pending.append((click, Verdict.LIMITED if limited else None))

    def clicker(self, campaign_id: int, subscriber_id: int) -> str:
        """The keyed hash that stands for one message (one ledger row) among the uniques."""
        mac = self._keyed.copy()
        mac.update(b"%d.%d" % (campaign_id, subscriber_id))
        return mac.hexdigest()

    def take(self, *, everything: bool = False) -> Batch:
        """Judge the clicks held long enough (all of them with `everything`) into the
        batch to write next, which still holds whatever could not be written before."""
        now = self._clock()
        ready_before = now - timedelta(seconds=self._rules.burst_s)
        ready = [(c, v) for c, v in self._pending if everything or c.at <= ready_before]
        if not ready:
            return self._unwritten
        ready = [
            (c, v or self._rules.first(c, started_at=self._started(c.campaign_id)))
            for c, v in ready
        ]
        if everything:
            self._pending = []
        else:
            self._pending = [(c, v) for c, v in self._pending if c.at > ready_before]
        # Hindsight: bursts are found among the recent, the ready and the still pending
        # (HEAD requests and early scanners among those are left out by `first`).
        undecided = [c for c, v in ready if v is None]
        in_burst = self._rules.bursts(
            self._recent + undecided + [c for c, v in self._pending if v is None]
        )
        batch = self._unwritten
        for click, verdict in ready:
            if verdict is None:
                verdict = Verdict.BURST if click in in_burst else Verdict.COUNTED
            batch.add(click, verdict, self._first(click) if verdict is Verdict.COUNTED else None)
        keep_after = now - timedelta(seconds=2 * self._rules.burst_s)
        self._recent = [c for c in self._recent + undecided if c.at > keep_after]
        metrics.clicks({verdict.value: n for verdict, n in batch.verdicts.items()})
        batch.verdicts.clear()
        return batch

    def _first(self, click: Click) -> FirstClick | None:
        if click.subscriber_id is None:
            return None
        return FirstClick(
            click.campaign_id,
            click.position,
            self.clicker(click.campaign_id, click.subscriber_id),
            click.subscriber_id if self._per_reader else None,
            click.at,
            click.subscriber_id,
        )

    def write(self, batch: Batch) -> None:
        """Add the batch to the database (a thread's work); raises if it could not."""
        if not batch:
            return
        with self._db.transaction() as conn:
            store.record(conn, totals=batch.totals, firsts=list(batch.firsts.values()))

    def written_ok(self, batch: Batch) -> None:
        """The batch is in the database: start the next one afresh (on the event loop)."""
        self.written += batch.counted
        if batch is self._unwritten:
            self._unwritten = Batch()

    async def flush(self, *, everything: bool = False) -> None:
        batch = self.take(everything=everything)
        if not batch:
            return
        try:
            await asyncio.to_thread(self.write, batch)
        except Exception:  # the database away: kept, and written with the next batch
            log.exception("could not record %d clicks; trying again", batch.counted)
            return
        self.written_ok(batch)

    async def run(self, stop: asyncio.Event) -> None:
        """Flush every second until `stop` is set, then write everything held: the flush
        in progress always finishes, so no batch is written twice or half."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), FLUSH_EVERY_S)
            stopping = stop.is_set()
            await self.flush(everything=stopping)
            if stopping:
                return

    async def close(self) -> None:
        """Judge and write everything held (a stop without `run`, and tests)."""
        await self.flush(everything=True)
