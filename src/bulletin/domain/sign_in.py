"""The sign-in throttle's rule: growing delays after a few failures, then a lock.

Failures are counted per key (an account, a client address) within a window. The
first few are free; each one after that makes the next attempt wait twice as long as
the last (one second, two, four...), and the `max_failures`th locks the key for
`lock` from that failure. An attempt refused for waiting is not itself counted, so a
legitimate user who waits is let in as soon as the wait is over, whatever an attacker
keeps trying meanwhile; and the failures that set a lock are spent by it, so the first
attempt after a lock starts from nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Rule:
    max_failures: int
    lock: timedelta
    free_failures: int = 3
    first_delay: timedelta = timedelta(seconds=1)

    @property
    def window(self) -> timedelta:
        return self.lock

    @property
    def horizon(self) -> timedelta:
        """How far back failures matter: a window's worth before the longest lock."""
        return self.window + self.lock


@dataclass(frozen=True)
class Wait:
    """An attempt refused until `until`; `locked` when it is the lock, not a delay."""

    until: datetime
    locked: bool

    def seconds_from(self, now: datetime) -> int:
        return max(1, int((self.until - now).total_seconds() + 0.999))


def wait_for(failures: Sequence[datetime], *, now: datetime, rule: Rule) -> Wait | None:
    """How long an attempt made at `now` must wait, given the key's failures; None: go on.

    `failures` should reach back `rule.horizon`: a lock set by failures that have since
    left the window still holds until it ends.
    """
    counted: list[datetime] = []
    lock_until: datetime | None = None
    for failed_at in sorted(t for t in failures if t <= now):
        counted = [t for t in counted if t > failed_at - rule.window] + [failed_at]
        if len(counted) >= rule.max_failures:
            lock_until, counted = failed_at + rule.lock, []  # the lock spends them
    if lock_until is not None and lock_until > now:
        return Wait(lock_until, locked=True)
    recent = [t for t in counted if t > now - rule.window]
    if len(recent) < rule.free_failures or not recent:
        return None
    delay = rule.first_delay * 2 ** (len(recent) - rule.free_failures)
    until = recent[-1] + min(delay, rule.lock)
    return Wait(until, locked=False) if until > now else None
