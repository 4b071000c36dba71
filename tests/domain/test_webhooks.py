"""The webhook rules: the body as signed, and the retry schedule over a day."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bulletin.domain.webhooks import (
    RETRY_FOR,
    EventType,
    new_event,
    new_secret,
    retry_at,
)

T0 = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)


def test_the_body_is_the_standard_webhooks_shape_and_stable() -> None:
    event = new_event(EventType.READER_CONFIRMED, {"lists": ["breaking"], "a": 1}, now=T0)
    body = event.body()
    assert json.loads(body) == {
        "type": "reader.confirmed",
        "timestamp": "2026-12-03T06:00:00Z",
        "data": {"lists": ["breaking"], "a": 1},
    }
    assert body == event.body() and " " not in body
    assert event.id.startswith("msg_") and event.id != new_event(event.type, {}, now=T0).id


def test_retries_double_from_thirty_seconds_and_stop_at_four_hours_apart() -> None:
    delays = [retry_at(attempts=n, created_at=T0, now=T0, jitter=0.0) for n in range(1, 12)]
    seconds = [(d - T0).total_seconds() for d in delays if d is not None]
    assert seconds[:5] == [30, 60, 120, 240, 480]
    assert max(seconds) == 4 * 3600 and seconds[-1] == 4 * 3600


def test_jitter_moves_a_retry_by_at_most_a_fifth() -> None:
    early = retry_at(attempts=3, created_at=T0, now=T0, jitter=-1.0)
    late = retry_at(attempts=3, created_at=T0, now=T0, jitter=5.0)  # clamped to 1
    assert early is not None and late is not None
    assert (early - T0, late - T0) == (timedelta(seconds=96), timedelta(seconds=144))


def test_the_last_try_is_a_day_after_the_event_then_none() -> None:
    near_end = T0 + RETRY_FOR - timedelta(minutes=10)
    assert retry_at(attempts=12, created_at=T0, now=near_end, jitter=0.0) == T0 + RETRY_FOR
    assert retry_at(attempts=13, created_at=T0, now=T0 + RETRY_FOR, jitter=0.0) is None


def test_a_day_of_failures_is_about_fourteen_attempts() -> None:
    now, attempts = T0, 0
    while (at := retry_at(attempts=attempts + 1, created_at=T0, now=now, jitter=0.0)) is not None:
        now, attempts = at, attempts + 1
    assert now == T0 + RETRY_FOR and 12 <= attempts <= 16


def test_secrets_are_whsec_and_32_random_bytes() -> None:
    import base64

    one, two = new_secret(), new_secret()
    assert one.startswith("whsec_") and one != two
    assert len(base64.b64decode(one.removeprefix("whsec_"))) == 32
