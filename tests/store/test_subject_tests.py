"""A subject test in the ledger: the fan-out splits the audience by a hash of each
reader's id (the same on a rerun), holds the rest until the race ends, and the winner
is decided once; clicks are credited to the subject their message was sent with."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import delete, select

from bulletin.domain.models import CampaignKind, CampaignStatus
from bulletin.domain.subject_tests import SubjectTest
from bulletin.services.context import Context
from bulletin.store import campaigns, clicks, subject_tests
from bulletin.store.clicks import FirstClick
from bulletin.store.ledger import fanout
from bulletin.store.tables import deliveries, link_clickers
from tests.support.factories import FakeClock
from tests.support.processes import create_readers

TEST = SubjectTest(("Dam gates opened", "Flood warning", "Evacuate now"), 20, 300, 10)


def _campaign(ctx: Context, clock: FakeClock, test: SubjectTest | None = TEST) -> int:
    now = clock()
    with ctx.db.transaction() as conn:
        campaign_id = campaigns.insert(
            conn,
            kind=CampaignKind.ALERT,
            list_id=1,
            subject=TEST.subjects[0],
            headline="Dam gates opened",
            summary="Residents told to leave.",
            url="https://news.example.com/dam",
            created_by=None,
            now=now,
            expires_at=now + timedelta(hours=2),
            status=CampaignStatus.SENDING,
        )
        if test is not None:
            subject_tests.insert(conn, campaign_id, test)
            subject_tests.start(conn, campaign_id, now=now, expires_at=now + timedelta(hours=2))
    return campaign_id


def _fan_out(ctx: Context, clock: FakeClock, campaign_id: int, *, limit: int = 700) -> None:
    cursor, done = None, False
    while not done:
        with ctx.db.transaction() as conn:
            chunk = fanout.step(
                conn,
                campaign_id=campaign_id,
                list_id=1,
                cursor=cursor,
                send_after=clock(),
                limit=limit,
            )
        cursor, done = chunk.cursor, chunk.done


def _rows(ctx: Context, campaign_id: int) -> dict[int, tuple[int | None, object]]:
    with ctx.db.reading() as conn:
        found = conn.execute(
            select(deliveries.c.subscriber_id, deliveries.c.variant, deliveries.c.send_after).where(
                deliveries.c.campaign_id == campaign_id
            )
        )
        return {int(s): (v, at) for s, v, at in found}


def test_the_fan_out_splits_a_share_between_the_subjects_and_holds_the_rest(
    ctx: Context, clock: FakeClock
) -> None:
    create_readers(ctx.db, 3000)
    campaign_id = _campaign(ctx, clock)

    _fan_out(ctx, clock, campaign_id)

    rows = _rows(ctx, campaign_id)
    tested = {r: v for r, (v, _) in rows.items() if v is not None}
    assert len(rows) == 3000
    assert 450 <= len(tested) <= 750  # 20 %, by hash
    per_subject = Counter(tested.values())
    assert set(per_subject) == {0, 1, 2}
    assert min(per_subject.values()) >= len(tested) / 3 * 0.7
    assert {at for r, (v, at) in rows.items() if v is not None} == {clock()}
    assert {at for r, (v, at) in rows.items() if v is None} == {clock() + timedelta(minutes=5)}


def test_the_same_readers_are_tested_whatever_the_chunks(ctx: Context, clock: FakeClock) -> None:
    create_readers(ctx.db, 1000)
    first, second = _campaign(ctx, clock), _campaign(ctx, clock)

    _fan_out(ctx, clock, first, limit=1000)
    _fan_out(ctx, clock, second, limit=97)
    before = {r for r, (v, _) in _rows(ctx, second).items() if v is not None}

    def picked(campaign_id: int) -> set[int]:
        return {r for r, (v, _) in _rows(ctx, campaign_id).items() if v is not None}

    # The hash is salted by campaign: each alert tests a different share of readers...
    assert picked(first) != picked(second)
    # ...and a campaign's own share does not depend on how its fan-out was chunked.
    with ctx.db.transaction() as conn:
        conn.execute(delete(deliveries).where(deliveries.c.campaign_id == second))
    _fan_out(ctx, clock, second, limit=1000)
    assert picked(second) == before


def test_a_campaign_without_a_test_is_written_as_before(ctx: Context, clock: FakeClock) -> None:
    create_readers(ctx.db, 200)
    campaign_id = _campaign(ctx, clock, test=None)

    _fan_out(ctx, clock, campaign_id)

    assert set(_rows(ctx, campaign_id).values()) == {(None, clock())}


def test_readers_written_after_an_early_decision_all_get_the_winner(
    ctx: Context, clock: FakeClock
) -> None:
    create_readers(ctx.db, 500)
    campaign_id = _campaign(ctx, clock)
    with ctx.db.transaction() as conn:
        subject_tests.end_early(conn, campaign_id, now=clock())
        subject_tests.decide(conn, campaign_id, now=clock())

    _fan_out(ctx, clock, campaign_id)

    assert set(_rows(ctx, campaign_id).values()) == {(None, clock())}


def test_the_winner_is_decided_once(ctx: Context, clock: FakeClock) -> None:
    create_readers(ctx.db, 600)
    campaign_id = _campaign(ctx, clock)
    _fan_out(ctx, clock, campaign_id)
    rows = _rows(ctx, campaign_id)
    second = [r for r, (v, _) in rows.items() if v == 1]
    _first_clicks(ctx, campaign_id, second[:10])

    with ctx.db.transaction() as conn:
        assert subject_tests.decide(conn, campaign_id, now=clock()) == 1
    _first_clicks(ctx, campaign_id, [r for r, (v, _) in rows.items() if v == 2][:40])
    with ctx.db.transaction() as conn:
        assert subject_tests.decide(conn, campaign_id, now=clock()) == 1

    with ctx.db.reading() as conn:
        race = subject_tests.race(conn, campaign_id)
    assert race is not None and [s.clickers for s in race.standings] == [0, 10, 0]


def _first_clicks(ctx: Context, campaign_id: int, readers: list[int]) -> None:
    with ctx.db.transaction() as conn:
        clicks.record(
            conn,
            totals={(campaign_id, 0): (len(readers), 0)},
            firsts=[
                FirstClick(campaign_id, 0, f"m{campaign_id}.{r}", None, ctx.clock(), r)
                for r in readers
            ],
        )


def test_clicks_are_credited_to_the_subject_the_message_had(ctx: Context, clock: FakeClock) -> None:
    create_readers(ctx.db, 400)
    campaign_id = _campaign(ctx, clock)
    _fan_out(ctx, clock, campaign_id)
    rows = _rows(ctx, campaign_id)
    tested = [r for r, (v, _) in rows.items() if v is not None][:5]
    held = [r for r, (v, _) in rows.items() if v is None][:3]

    _first_clicks(ctx, campaign_id, tested + held)

    with ctx.db.reading() as conn:
        found = dict(
            conn.execute(
                select(link_clickers.c.clicker, link_clickers.c.variant).where(
                    link_clickers.c.campaign_id == campaign_id
                )
            ).all()
        )
    assert {found[f"m{campaign_id}.{r}"] for r in held} == {None}
    assert [found[f"m{campaign_id}.{r}"] for r in tested] == [rows[r][0] for r in tested]


def test_an_early_end_makes_the_held_readers_due(ctx: Context, clock: FakeClock) -> None:
    create_readers(ctx.db, 300)
    campaign_id = _campaign(ctx, clock)
    _fan_out(ctx, clock, campaign_id)
    clock.advance(minutes=1)

    with ctx.db.transaction() as conn:
        planned = subject_tests.end_early(conn, campaign_id, now=clock())
        assert planned == clock() + timedelta(minutes=4)
        assert subject_tests.end_early(conn, campaign_id, now=clock()) is None
    after: int | None = 0
    while after is not None:
        with ctx.db.transaction() as conn:
            after = subject_tests.release_held(
                conn, campaign_id, held_until=planned, now=clock(), after=after
            )

    held = {at for v, at in _rows(ctx, campaign_id).values() if v is None}
    assert held == {clock()}
