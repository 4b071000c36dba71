"""The webhook outbox: queued per subscribed endpoint, leased to one sender, finished by it."""

from __future__ import annotations

from datetime import timedelta

from bulletin.domain.webhooks import DeliveryState, EventType, new_event
from bulletin.services.context import Context
from bulletin.store.webhooks import endpoints, outbox
from tests.support.factories import FakeClock

LEASE = timedelta(minutes=5)


def _endpoint(ctx: Context, *types: EventType, url: str = "https://crm.example.org/h") -> int:
    with ctx.db.transaction() as conn:
        return endpoints.add(
            conn,
            url=url,
            description="",
            secret="whsec_c2VjcmV0",
            event_types=types,
            created_by="admin@example.org",
            now=ctx.clock(),
        )


def _emit(ctx: Context, type_: EventType = EventType.READER_CONFIRMED) -> str:
    event = new_event(type_, {"n": 1}, now=ctx.clock())
    with ctx.db.transaction() as conn:
        outbox.emit(conn, [event], now=ctx.clock())
    return event.id


def _claim(ctx: Context, owner: str) -> list[outbox.Claimed]:
    with ctx.db.transaction() as conn:
        return outbox.claim(conn, owner=owner, now=ctx.clock(), lease=LEASE, limit=10)


def test_an_event_goes_to_each_enabled_endpoint_that_wants_its_type(ctx: Context) -> None:
    crm = _endpoint(ctx, EventType.READER_CONFIRMED)
    _endpoint(ctx, EventType.MAIL_BOUNCED)
    off = _endpoint(ctx, EventType.READER_CONFIRMED)
    with ctx.db.transaction() as conn:
        endpoints.set_enabled(conn, off, False)
    event_id = _emit(ctx)
    claimed = _claim(ctx, "a")
    assert [(c.endpoint_id, c.event_id) for c in claimed] == [(crm, event_id)]


def test_queuing_one_event_twice_sends_it_once(ctx: Context) -> None:
    _endpoint(ctx, EventType.READER_CONFIRMED)
    event = new_event(EventType.READER_CONFIRMED, {}, now=ctx.clock())
    with ctx.db.transaction() as conn:
        outbox.emit(conn, [event], now=ctx.clock())
        outbox.emit(conn, [event], now=ctx.clock())
    assert len(_claim(ctx, "a")) == 1


def test_a_leased_delivery_is_not_claimed_twice_until_its_lease_expires(
    ctx: Context, clock: FakeClock
) -> None:
    _endpoint(ctx, EventType.READER_CONFIRMED)
    _emit(ctx)
    first = _claim(ctx, "a")
    assert len(first) == 1 and _claim(ctx, "b") == []
    clock.advance(seconds=LEASE.total_seconds() + 1)  # "a" died holding it
    again = _claim(ctx, "b")
    assert [c.id for c in again] == [first[0].id]
    with ctx.db.transaction() as conn:
        # the dead sender's late outcome is not written over the new holder's
        assert not outbox.delivered(conn, first[0].id, owner="a", status=200, now=clock())
        assert outbox.delivered(conn, first[0].id, owner="b", status=200, now=clock())


def test_a_failed_attempt_waits_for_its_retry_and_counts(ctx: Context, clock: FakeClock) -> None:
    endpoint = _endpoint(ctx, EventType.READER_CONFIRMED)
    _emit(ctx)
    (held,) = _claim(ctx, "a")
    with ctx.db.transaction() as conn:
        outbox.attempt_failed(
            conn,
            held.id,
            owner="a",
            status=503,
            error="answered HTTP 503",
            retry_at=clock() + timedelta(seconds=30),
        )
    assert _claim(ctx, "a") == []
    clock.advance(seconds=30)
    (again,) = _claim(ctx, "a")
    assert again.attempts == 1
    with ctx.db.transaction() as conn:
        outbox.attempt_failed(
            conn, again.id, owner="a", status=None, error="refused", retry_at=None
        )
        (record,) = outbox.log(conn, endpoint)
    assert (record.state, record.attempts, record.last_error) == (
        DeliveryState.FAILED,
        2,
        "refused",
    )
    assert record.next_attempt_at is None


def test_a_disabled_endpoints_waiting_deliveries_wait(ctx: Context) -> None:
    endpoint = _endpoint(ctx, EventType.READER_CONFIRMED)
    _emit(ctx)
    with ctx.db.transaction() as conn:
        endpoints.set_enabled(conn, endpoint, False)
    assert _claim(ctx, "a") == []
    with ctx.db.transaction() as conn:
        endpoints.set_enabled(conn, endpoint, True)
    assert len(_claim(ctx, "a")) == 1


def test_released_rows_are_claimable_at_once_with_no_attempt_counted(ctx: Context) -> None:
    _endpoint(ctx, EventType.READER_CONFIRMED)
    _emit(ctx)
    (held,) = _claim(ctx, "a")
    with ctx.db.transaction() as conn:
        outbox.release(conn, [held.id], owner="a")
    (again,) = _claim(ctx, "b")
    assert (again.id, again.attempts) == (held.id, 0)


def test_the_claimed_secret_stays_out_of_its_repr(ctx: Context) -> None:
    _endpoint(ctx, EventType.READER_CONFIRMED)
    _emit(ctx)
    (held,) = _claim(ctx, "a")
    assert held.secret == "whsec_c2VjcmV0" and "whsec_" not in repr(held)


def test_pruning_forgets_finished_deliveries_only(ctx: Context, clock: FakeClock) -> None:
    endpoint = _endpoint(ctx, EventType.READER_CONFIRMED)
    _emit(ctx)
    _emit(ctx)
    first, _second = _claim(ctx, "a")
    with ctx.db.transaction() as conn:
        outbox.delivered(conn, first.id, owner="a", status=204, now=clock())
    clock.advance(days=31)
    with ctx.db.transaction() as conn:
        assert outbox.prune(conn, before=clock() - timedelta(days=30)) == 1
        assert [r.state for r in outbox.log(conn, endpoint)] == [DeliveryState.QUEUED]
