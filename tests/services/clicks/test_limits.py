"""The per-client limit on `/r/…`: counted per window, forgotten when the window turns."""

from __future__ import annotations

from bulletin.services.clicks.limits import ClientLimits
from tests.support.factories import FakeMonotonic


def test_a_client_past_the_rate_is_refused_until_the_window_turns() -> None:
    clock = FakeMonotonic()
    limits = ClientLimits("2/minute", clock=clock)
    assert [limits.admit("198.51.100.1") for _ in range(3)] == [True, True, False]
    assert limits.admit("198.51.100.2")  # another client has its own count
    clock.now += 60
    assert limits.admit("198.51.100.1")


def test_every_rate_must_hold() -> None:
    clock = FakeMonotonic()
    limits = ClientLimits("3/minute;4/hour", clock=clock)
    first = [limits.admit("c") for _ in range(3)]
    clock.now += 60
    second = [limits.admit("c") for _ in range(2)]
    assert first == [True, True, True] and second == [True, False]


def test_clients_past_the_most_counted_are_let_through_uncounted() -> None:
    limits = ClientLimits("1/minute", clock=FakeMonotonic(), max_clients=2)
    assert limits.admit("a") and limits.admit("b")
    assert [limits.admit("c") for _ in range(3)] == [True, True, True]
    assert not limits.admit("a")
