"""A worker's heartbeat: written at the first round, then every BEAT_EVERY, never more often."""

from __future__ import annotations

from datetime import timedelta

from bulletin.delivery.heartbeat import BEAT_EVERY, Heartbeat, this_worker
from bulletin.delivery.rounds import Rounds
from bulletin.services.context import Context
from bulletin.store import workers


def _seen(ctx: Context) -> object:
    with ctx.db.reading() as conn:
        beat = workers.latest(conn)
    return beat.seen_at if beat else None


def test_the_first_round_beats_and_the_next_within_the_interval_does_not(ctx: Context) -> None:
    heartbeat = Heartbeat(ctx.db, worker="test:1")
    first = ctx.clock()
    heartbeat.beat(first)
    heartbeat.beat(first + BEAT_EVERY - timedelta(seconds=1))
    assert _seen(ctx) == first
    heartbeat.beat(first + BEAT_EVERY)
    assert _seen(ctx) == first + BEAT_EVERY


def test_every_scheduler_round_carries_the_heartbeat_of_this_process(ctx: Context) -> None:
    rounds = Rounds(ctx.db, ctx.settings.briefing_rules)
    try:
        rounds.run(ctx.clock())
    finally:
        rounds.release()
    with ctx.db.reading() as conn:
        beat = workers.latest(conn)
    assert beat is not None
    assert beat.worker == this_worker() and beat.seen_at == ctx.clock()
