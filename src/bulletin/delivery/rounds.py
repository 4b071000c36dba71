"""The scheduler's rounds as the engine runs them: in the one worker that leads, each second.

A round (see `scheduler.run_round`) starts due reports, writes fan-out chunks, sweeps
expired leases, expires and finishes campaigns, and runs the briefing duty. Every
worker, leading or not, also writes its heartbeat (see `heartbeat`). The engine
asks `run` from a thread and learns whether fan-outs are still being written.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from bulletin import metrics
from bulletin.delivery import scheduler
from bulletin.delivery.briefing_duty import BriefingDuty
from bulletin.delivery.heartbeat import Heartbeat
from bulletin.delivery.leader import Leadership
from bulletin.delivery.leases import SweepGuard
from bulletin.domain.editions import Rules
from bulletin.store.db import UNAVAILABLE, Database

log = logging.getLogger(__name__)


class Rounds:
    def __init__(self, db: Database, rules: Rules, *, pause_error_rate: float = 0.5) -> None:
        self._db = db
        self._pause_error_rate = pause_error_rate
        self._leader = Leadership(db)
        self._briefing = BriefingDuty(rules)
        self.heartbeat = Heartbeat(db)
        self._sweeps = SweepGuard()
        # The engine's regular round and its final one (run_until_idle) may overlap.
        self._lock = threading.Lock()

    def run(self, now: datetime) -> bool:
        """One round if this worker leads; whether fan-outs are still being written."""
        self.heartbeat.beat(now)
        with self._lock:
            try:
                if not self._leader.holds():
                    return False
                outcome = scheduler.run_round(
                    self._db,
                    now=now,
                    briefing=self._briefing,
                    pause_error_rate=self._pause_error_rate,
                    sweep=self._sweeps.may_sweep(now),
                )
            except UNAVAILABLE:
                self._sweeps.lost()  # the live workers could not renew meanwhile either
                raise
        metrics.leases_expired(outcome.swept)
        if outcome.swept:
            log.warning("returned %d rows with expired leases to the queue", outcome.swept)
        return outcome.fanouts_pending

    @property
    def briefing_rules(self) -> Rules:
        return self._briefing.rules

    def use_rules(self, rules: Rules) -> None:
        """The briefing's rules from the next round on (the desk changed its settings)."""
        self._briefing.rules = rules

    def release(self) -> None:
        self._leader.release()
