"""Short leases: a live worker renews what it holds; a dead one's rows go back in seconds."""

from __future__ import annotations

from sqlalchemy import select

from bulletin.delivery import scheduler
from bulletin.delivery.leases import LEASE, RENEW_EVERY, Leases, SweepGuard
from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.store.ledger.sql import SqlLedger
from bulletin.store.tables import outbox
from tests.support.factories import FakeClock, confirmed_reader, unique_email, web_requester

ALERT = AlertDraft(
    headline="Bridge closed", summary="The river bridge is shut.", url="https://n.example.com/b"
)


def _alert_to(ctx: Context, readers: int) -> None:
    for _ in range(readers):
        confirmed_reader(ctx)
    alerts.fire_alert(ctx, ALERT, actor=None)


def _claim(ledger: SqlLedger, clock: FakeClock, owner: str) -> int:
    return len(ledger.claim(owner=owner, now=clock(), lease=LEASE, limit=100).rows)


def _sweep(ctx: Context, clock: FakeClock) -> int:
    return scheduler.run_round(ctx.db, now=clock()).swept


def test_a_lease_not_renewed_runs_out_and_another_worker_takes_the_rows(
    ctx: Context, clock: FakeClock
) -> None:
    _alert_to(ctx, 3)
    ledger = SqlLedger(ctx.db)
    assert _claim(ledger, clock, "dead#1") == 3

    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert _sweep(ctx, clock) == 0  # not yet: the lease still runs
    assert _claim(ledger, clock, "alive#1") == 0
    clock.advance(seconds=2)
    assert _sweep(ctx, clock) == 3
    assert _claim(ledger, clock, "alive#1") == 3


def test_a_renewed_lease_does_not_run_out(ctx: Context, clock: FakeClock) -> None:
    _alert_to(ctx, 3)
    ledger = SqlLedger(ctx.db)
    leases = Leases(ledger, "alive", clock)
    assert _claim(ledger, clock, "alive#1") == 3
    assert _claim(ledger, clock, "alive#2") == 0

    for _ in range(6):  # 30 s, twice the lease
        clock.advance(seconds=RENEW_EVERY.total_seconds())
        assert leases.renew_due() == 3
        assert _sweep(ctx, clock) == 0
    assert _claim(ledger, clock, "other#1") == 0


def test_renewal_extends_only_this_workers_leases(ctx: Context, clock: FakeClock) -> None:
    _alert_to(ctx, 4)
    ledger = SqlLedger(ctx.db)
    assert len(ledger.claim(owner="alive#1", now=clock(), lease=LEASE, limit=2).rows) == 2
    # A worker whose name starts like ours is not ours: the `#` ends the name.
    assert len(ledger.claim(owner="alive2#1", now=clock(), lease=LEASE, limit=2).rows) == 2
    leases = Leases(ledger, "alive", clock)

    clock.advance(seconds=RENEW_EVERY.total_seconds())
    assert leases.renew_due() == 2
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert _sweep(ctx, clock) == 2  # the other worker's, not ours
    assert _claim(ledger, clock, "third#1") == 2


def test_a_lease_that_ran_out_unswept_is_taken_back_and_a_swept_one_is_not(
    ctx: Context, clock: FakeClock
) -> None:
    """After an outage longer than a lease: rows still in the worker's name are its own
    (nobody else can claim them before the sweep); once swept they may be anyone's."""
    _alert_to(ctx, 4)
    ledger = SqlLedger(ctx.db)
    assert len(ledger.claim(owner="away#1", now=clock(), lease=LEASE, limit=2).rows) == 2
    assert len(ledger.claim(owner="late#1", now=clock(), lease=LEASE, limit=2).rows) == 2

    clock.advance(seconds=LEASE.total_seconds() * 3)
    assert Leases(ledger, "away", clock).renew_due() == 2  # back before any sweep
    assert _sweep(ctx, clock) == 2  # late's, unrenewed
    assert Leases(ledger, "late", clock).renew_due() == 0  # swept: not late's any more
    assert _claim(ledger, clock, "other#1") == 2


def test_renewal_waits_its_interval_between_statements(ctx: Context, clock: FakeClock) -> None:
    _alert_to(ctx, 2)
    ledger = SqlLedger(ctx.db)
    leases = Leases(ledger, "w", clock)
    _claim(ledger, clock, "w#1")

    assert leases.renew_due() == 2
    clock.advance(seconds=RENEW_EVERY.total_seconds() - 1)
    assert leases.renew_due() == 0  # too soon: nothing asked of the database
    clock.advance(seconds=1)
    assert leases.renew_due() == 2


def test_a_confirmation_lease_is_renewed_too(ctx: Context, clock: FakeClock) -> None:
    subscriptions.sign_up(
        ctx, email=unique_email(), list_slugs=["breaking"], requester=web_requester()
    )
    ledger = SqlLedger(ctx.db)
    assert len(ledger.claim_confirmations(owner="w#1", now=clock(), lease=LEASE, limit=5)) == 1
    leases = Leases(ledger, "w", clock)

    clock.advance(seconds=RENEW_EVERY.total_seconds())
    assert leases.renew_due() == 1
    with ctx.db.transaction() as conn:
        until = conn.execute(select(outbox.c.lease_until)).scalar_one()
    assert until == clock() + LEASE
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert ledger.claim_confirmations(owner="x#1", now=clock(), lease=LEASE, limit=5) == []


def test_a_sweeper_that_lost_the_database_waits_a_lease_before_sweeping(
    clock: FakeClock,
) -> None:
    """The live workers could not renew while it was away: they get a lease to do so."""
    guard = SweepGuard()
    assert guard.may_sweep(clock())  # a process that starts sweeps at once

    guard.lost()
    clock.advance(seconds=30)
    assert not guard.may_sweep(clock())  # answering again, from now
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert not guard.may_sweep(clock())
    clock.advance(seconds=1)
    assert guard.may_sweep(clock())
