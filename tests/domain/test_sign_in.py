"""The throttle's rule: a few free failures, then doubling waits, then a lock that ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bulletin.domain.sign_in import Rule, wait_for

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
RULE = Rule(max_failures=10, lock=timedelta(minutes=15))


def _failures(count: int, *, every: timedelta = timedelta(seconds=1)) -> list[datetime]:
    return [T0 + every * i for i in range(count)]


def test_the_first_three_failures_cost_nothing() -> None:
    assert wait_for(_failures(2), now=T0 + timedelta(seconds=2), rule=RULE) is None


def test_each_failure_after_the_third_doubles_the_wait_from_the_last_failure() -> None:
    waits = []
    for count in range(3, 10):
        failures = _failures(count)
        wait = wait_for(failures, now=failures[-1], rule=RULE)
        assert wait is not None and not wait.locked
        waits.append((wait.until - failures[-1]).total_seconds())
    assert waits == [1, 2, 4, 8, 16, 32, 64]


def test_an_attempt_after_the_wait_goes_on() -> None:
    failures = _failures(5)
    assert wait_for(failures, now=failures[-1] + timedelta(seconds=4), rule=RULE) is None


def test_the_tenth_failure_locks_for_fifteen_minutes_from_it() -> None:
    failures = _failures(10)
    wait = wait_for(failures, now=failures[-1] + timedelta(minutes=14), rule=RULE)
    assert wait is not None and wait.locked
    assert wait.until == failures[-1] + timedelta(minutes=15)
    assert wait.seconds_from(failures[-1] + timedelta(minutes=14)) == 60


def test_when_the_lock_ends_every_failure_has_left_the_window() -> None:
    failures = _failures(10)
    after = failures[-1] + timedelta(minutes=15)
    assert wait_for(failures, now=after, rule=RULE) is None
    assert wait_for([*failures, after], now=after, rule=RULE) is None  # one fresh failure: free


def test_failures_older_than_the_window_do_not_count() -> None:
    old = _failures(9, every=timedelta(minutes=1))
    now = old[-1] + timedelta(minutes=16)
    assert wait_for(old, now=now, rule=RULE) is None


def test_a_lock_set_by_slow_failures_holds_until_it_ends() -> None:
    failures = [T0 + timedelta(seconds=2**i) for i in range(10)]  # spread over 8.5 minutes
    wait = wait_for(failures, now=failures[-1] + timedelta(minutes=14), rule=RULE)
    assert wait is not None and wait.locked


def test_the_first_failure_after_a_lock_starts_from_nothing() -> None:
    failures = _failures(10)
    after = failures[-1] + timedelta(minutes=15)
    again = [*failures, after, after + timedelta(seconds=1), after + timedelta(seconds=2)]
    wait = wait_for(again, now=after + timedelta(seconds=2), rule=RULE)
    assert wait is not None and not wait.locked  # three fresh failures: the first delay
