"""Queued test sends in the store: claimed once, under a lease, finished by their holder."""

from __future__ import annotations

from datetime import timedelta

from bulletin.domain.test_sends import Copy, CopyResult, TestSendStatus
from bulletin.services.context import Context
from bulletin.store import test_sends as store
from tests.support.factories import FakeClock

LEASE = timedelta(minutes=2)
COPIES = [
    Copy("alerts@news.example.com", "desk@news.example.com", b"Subject: [TEST] a\r\n\r\nbody\r\n"),
    Copy("alerts@news.example.com", "chief@news.example.com", "Subject: é\r\n".encode(), True),
]


def _queued(ctx: Context) -> int:
    with ctx.db.transaction() as conn:
        return store.enqueue(
            conn,
            kind="alert",
            title="Bridge closed",
            back_path="/desk/alerts/new",
            requested_by="desk@news.example.com",
            copies=COPIES,
            now=ctx.clock(),
        )


def test_a_queued_job_is_claimed_once_with_its_copies_intact(ctx: Context) -> None:
    job_id = _queued(ctx)
    with ctx.db.transaction() as conn:
        claimed = store.claim(conn, owner="w1", now=ctx.clock(), lease=LEASE)
        again = store.claim(conn, owner="w2", now=ctx.clock(), lease=LEASE)
        job = store.get(conn, job_id)
    assert claimed == (job_id, COPIES)
    assert again is None
    assert job is not None and job.status is TestSendStatus.SENDING
    assert job.recipients == ("desk@news.example.com", "chief@news.example.com")


def test_the_holder_finishes_it_with_each_reply_and_the_bodies_are_dropped(ctx: Context) -> None:
    job_id = _queued(ctx)
    results = [
        CopyResult("desk@news.example.com", True, "250 2.0.0 Ok"),
        CopyResult("chief@news.example.com", False, "550 5.7.1 Refused"),
    ]
    with ctx.db.transaction() as conn:
        store.claim(conn, owner="w1", now=ctx.clock(), lease=LEASE)
        assert not store.finish(conn, job_id, results, owner="w2", now=ctx.clock())
        assert store.finish(conn, job_id, results, owner="w1", now=ctx.clock())
        job = store.get(conn, job_id)
        assert store.claim(conn, owner="w3", now=ctx.clock(), lease=LEASE) is None
    assert job is not None and job.finished
    assert job.sent == ["desk@news.example.com"]
    assert [r.reply for r in job.failed] == ["550 5.7.1 Refused"]


def test_a_job_whose_worker_died_goes_to_another_when_the_lease_ends(
    ctx: Context, clock: FakeClock
) -> None:
    job_id = _queued(ctx)
    with ctx.db.transaction() as conn:
        store.claim(conn, owner="dead", now=clock(), lease=LEASE)
    clock.advance(seconds=LEASE.total_seconds() - 1)
    with ctx.db.transaction() as conn:
        assert store.claim(conn, owner="w2", now=clock(), lease=LEASE) is None
    clock.advance(seconds=2)
    with ctx.db.transaction() as conn:
        assert store.claim(conn, owner="w2", now=clock(), lease=LEASE) == (job_id, COPIES)
        # the dead worker, come back, can no longer write over the new holder's outcome
        assert not store.finish(conn, job_id, [], owner="dead", now=clock())


def test_jobs_are_listed_newest_first_for_whoever_asked_and_old_ones_forgotten(
    ctx: Context, clock: FakeClock
) -> None:
    first, second = _queued(ctx), _queued(ctx)
    with ctx.db.transaction() as conn:
        store.claim(conn, owner="w1", now=clock(), lease=LEASE)
        store.finish(conn, first, [], owner="w1", now=clock())
        assert [j.id for j in store.recent(conn, requested_by="desk@news.example.com")] == [
            second,
            first,
        ]
        assert store.recent(conn, requested_by="someone@news.example.com") == []
        assert store.delete_finished_before(conn, clock() - timedelta(days=1)) == 0
        assert store.delete_finished_before(conn, clock() + timedelta(seconds=1)) == 1
        assert store.get(conn, first) is None and store.get(conn, second) is not None
