"""Where a worker's CPU goes: claiming, filling messages, recording, scheduling, the rest.

Sampled once per claim, flush group and scheduler round (a thread-CPU clock read on each side,
well under a microsecond), never per message. Claiming, filling and recording run in
threads of their own, so their thread clocks count only their work; what is left of
the process's CPU is the event loop: the SMTP client, queueing and the flusher's
bookkeeping. The threads hand their seconds back with their results; only the loop adds
them up. The engine logs the split when it stops (`bulletin bench fanout` reads it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class CpuSplit:
    claim: float = 0.0
    fill: float = 0.0
    record: float = 0.0
    schedule: float = 0.0  # the scheduler's rounds (fan-out chunks, sweeps) where it leads
    _process_start: float = field(default_factory=time.process_time)

    def claimed(self, claim_s: float, fill_s: float) -> None:
        self.claim += claim_s
        self.fill += fill_s

    def summary(self) -> dict[str, float]:
        """Seconds of CPU each way since the engine started; `smtp` is the rest."""
        total = time.process_time() - self._process_start
        parts = {
            "claim": self.claim,
            "fill": self.fill,
            "record": self.record,
            "schedule": self.schedule,
        }
        return {
            **{name: round(s, 4) for name, s in parts.items()},
            "smtp": round(max(0.0, total - sum(parts.values())), 4),
            "total": round(total, 4),
        }


class Timed(Generic[T]):
    """`work`, returning its result and the CPU seconds its thread spent on it."""

    def __init__(self, work: Callable[[], T]) -> None:
        self.work = work  # what is timed, for whoever looks at the call (tests)

    def __call__(self) -> tuple[T, float]:
        started = time.thread_time()
        result = self.work()
        return result, time.thread_time() - started


timed = Timed
