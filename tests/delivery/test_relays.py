"""Relays: rate limits, resting after failures, configuration, and several relays sharing work."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bulletin.config import Settings
from bulletin.delivery.relays import Health, RateLimit, relay_from_url, relays_from_urls
from bulletin.domain.errors import ConfigurationError
from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.db import Database
from tests.support.engines import engine_for
from tests.support.factories import SECRET, FakeMonotonic
from tests.support.ports import free_port
from tests.support.processes import create_readers, ledger
from tests.support.smtp_sink import SmtpSink

ALERT = AlertDraft(
    headline="Bridge closed", summary="Both lanes shut until noon.", url="https://x.org/bridge"
)


def limited(
    fake: FakeMonotonic, *, per_second: float = 0.0, window_s: float = 0.0, window_count: int = 0
) -> RateLimit:
    return RateLimit(
        per_second=per_second,
        window_s=window_s,
        window_count=window_count,
        clock=fake,
        sleep=fake.sleep,
    )


def times_through(
    limit: RateLimit, fake: FakeMonotonic, callers: int, *, each: int = 1
) -> list[float]:
    """When (seconds after the start) each of `callers` in turn got through."""
    start = fake.now

    async def scenario() -> list[float]:
        through = []
        for _ in range(callers):
            await limit.acquire(each)
            through.append(round(fake.now - start, 6))
        return through

    return asyncio.run(scenario())


# Rate limits


def test_no_limit_lets_every_caller_through_at_once() -> None:
    fake = FakeMonotonic()
    assert times_through(limited(fake), fake, 1000) == [0.0] * 1000
    assert not RateLimit().limits


def test_per_second_rate_lets_one_through_at_once_and_paces_the_rest() -> None:
    fake = FakeMonotonic()
    assert times_through(limited(fake, per_second=10), fake, 5) == [0.0, 0.1, 0.2, 0.3, 0.4]


def test_per_second_rate_counts_a_batch_as_its_size() -> None:
    fake = FakeMonotonic()
    assert times_through(limited(fake, per_second=10), fake, 3, each=5) == [0.0, 0.5, 1.0]


def test_a_rate_does_not_bank_the_time_it_was_idle() -> None:
    fake = FakeMonotonic()
    limit = limited(fake, per_second=10)
    times_through(limit, fake, 2)
    fake.now += 60  # a minute with nothing to send
    assert times_through(limit, fake, 3) == [0.0, 0.1, 0.2]


def test_window_lets_its_count_through_and_holds_the_rest_until_it_slides_on() -> None:
    fake = FakeMonotonic()
    through = times_through(limited(fake, window_s=60, window_count=5), fake, 8)
    assert through[:5] == [0.0] * 5
    assert 60 <= through[5] <= 61  # the first second's messages leave the window
    assert through[5:] == [through[5]] * 3


def test_a_window_and_a_rate_both_hold() -> None:
    fake = FakeMonotonic()
    limit = limited(fake, per_second=2, window_s=10, window_count=3)
    through = times_through(limit, fake, 4)
    assert through[:3] == [0.0, 0.5, 1.0]
    assert through[3] >= 10


# Resting a relay that cannot be reached


def test_first_failure_rests_the_relay_one_second() -> None:
    fake = FakeMonotonic()
    health = Health(clock=fake)
    assert health.failed() == 1.0
    assert health.resting == 1.0
    fake.now += 0.4
    assert health.resting == pytest.approx(0.6)
    fake.now += 0.6
    assert health.resting == 0


def test_failures_while_resting_count_once() -> None:
    health = Health(clock=FakeMonotonic())
    health.failed()
    health.failed()
    health.failed()
    assert health.failures == 1


def test_rest_doubles_with_each_failure_up_to_a_minute() -> None:
    fake = FakeMonotonic()
    health = Health(clock=fake)
    rests = []
    for _ in range(9):
        rests.append(health.failed())
        fake.now += rests[-1]  # the rest is over; the next try fails again
    assert rests == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_success_ends_the_rest_and_forgets_the_failures() -> None:
    health = Health(clock=FakeMonotonic())
    health.failed()
    health.ok()
    assert (health.failures, health.resting) == (0, 0)
    assert health.failed() == 1.0


# Configuration


def test_relay_url_options_set_connections_and_limits_and_are_not_passed_to_smtp() -> None:
    relay = relay_from_url(
        "smtp://user:secret@mx1.example.net:587?connections=4&rate=50"
        "&window=3600:100000&starttls=require"
    )
    assert relay.connections == 4
    assert (relay.limit.per_second, relay.limit.window_s, relay.limit.window_count) == (
        50,
        3600,
        100000,
    )
    assert relay.limit.limits
    assert relay_from_url("smtp://mx1.example.net?window=60:10").limit.limits
    assert relay.spec.url == "smtp://user:secret@mx1.example.net:587?starttls=require"
    assert relay.display == "smtp://mx1.example.net:587"


def test_relay_url_without_options_gets_sixteen_connections_and_no_limit() -> None:
    relay = relay_from_url("smtps://mx.example.net")
    assert relay.connections == 16
    assert (relay.limit.per_second, relay.limit.window_count) == (0, 0)
    assert not relay.limit.limits
    assert relay.display == "smtps://mx.example.net:465"


def test_memory_relay_is_a_relay_too() -> None:
    assert relay_from_url("memory").display == "memory"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("connections=0", "at least one connection"),
        ("connections=many", "Bad relay options"),
        ("rate=fast", "Bad relay options"),
        ("window=3600", "Bad relay options"),
        ("window=hour:100", "Bad relay options"),
    ],
)
def test_bad_relay_options_are_refused_without_showing_the_password(
    query: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message) as refused:
        relay_from_url(f"smtp://user:hunter22@mx.example.net:25?{query}")
    assert "hunter22" not in str(refused.value)


def test_relay_url_that_is_not_smtp_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="smtp://"):
        relay_from_url("http://mx.example.net")


def test_relays_setting_lists_several_relays_and_wins_over_the_smtp_url() -> None:
    settings = Settings(
        secret_key=SECRET,
        relays="smtp://a.example.net:25?connections=2  smtp://b.example.net:25",
        smtp_url="smtp://c.example.net",
    )
    relays = relays_from_urls(settings.relay_urls)
    assert [r.display for r in relays] == ["smtp://a.example.net:25", "smtp://b.example.net:25"]
    assert [r.connections for r in relays] == [2, 16]


def test_smtp_url_alone_is_one_relay() -> None:
    settings = Settings(secret_key=SECRET, relays=None, smtp_url="smtp://c.example.net:2525")
    (relay,) = relays_from_urls(settings.relay_urls)
    assert relay.display == "smtp://c.example.net:2525"


def test_no_relay_at_all_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="No relay"):
        relays_from_urls(Settings(secret_key=SECRET, relays="  ", smtp_url=None).relay_urls)


# Several relays, one queue


def recipients(*sinks: SmtpSink) -> Counter[str]:
    return Counter(r for sink in sinks for m in sink.received for r in m.rcpt_tos)


def readers(db: Database, n: int) -> set[str]:
    return {f"r{i}@readers.example.org" for i in create_readers(db, n)}


def test_two_relays_share_one_campaign_and_each_reader_gets_one_message(ctx: Context) -> None:
    expected = readers(ctx.db, 300)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    first, second = SmtpSink().start(), SmtpSink().start()
    try:
        engine_for(
            ctx, first.url + "&connections=4", second.url + "&connections=4"
        ).run_until_idle()
    finally:
        first.stop()
        second.stop()

    assert recipients(first, second) == Counter(expected)
    assert len(first.received) > 0 and len(second.received) > 0
    assert ledger(ctx.db, fired.campaign_id) == {"sent": 300}


def test_a_relay_that_is_down_leaves_its_share_to_the_other(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    expected = readers(ctx.db, 300)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    down = f"smtp://127.0.0.1:{free_port()}?starttls=off&connections=4"
    up = SmtpSink().start()
    try:
        engine_for(ctx, down, up.url + "&connections=4").run_until_idle()
    finally:
        up.stop()

    counts = ledger(ctx.db, fired.campaign_id)
    print(f"\none relay down: {counts}")
    assert recipients(up) == Counter({r: 1 for r in expected if r in recipients(up)})
    assert counts["sent"] == len(recipients(up))
    assert counts.get("failed", 0) == 0
    # Only the messages tried on the dead relay wait for a retry: one per refused
    # connection (its 4 connections at first, 4 more each time its rest runs out on a
    # slow machine), never the rest of the queue.
    tries = sum(down.split("?")[0] in r.getMessage() for r in caplog.records)
    assert tries >= 1 and counts.get("queued", 0) == tries
    assert counts["sent"] + tries == len(expected)
