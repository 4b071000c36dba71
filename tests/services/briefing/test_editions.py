"""Editors' briefing: assemble, curate (each change audited), hold, approve, schedule per zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bulletin.domain.editions import GREETING, EditionStatus
from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Role
from bulletin.domain.schedule import send_for
from bulletin.services.briefing import curation
from bulletin.services.briefing import editions as briefing
from bulletin.services.context import Context
from bulletin.services.stories import editing
from bulletin.store import audit
from bulletin.store.briefing import editions
from bulletin.store.tables import deliveries
from tests.support.briefing import add_story, briefing_reader
from tests.support.factories import FakeClock, make_editor

TUESDAY = date(2026, 11, 24)
MONDAY_EVENING = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


@pytest.fixture
def day(ctx: Context, clock: FakeClock) -> date:
    clock.now = MONDAY_EVENING
    return TUESDAY


def _actions(ctx: Context) -> list[str]:
    with ctx.db.transaction() as conn:
        return [e["action"] for e in reversed(audit.recent(conn))]


def _rows(ctx: Context) -> dict[int, tuple[datetime, datetime | None, int | None, str]]:
    with ctx.db.transaction() as conn:
        found = conn.execute(select(deliveries)).all()
    return {r.subscriber_id: (r.send_after, r.expires_at, r.segment, r.status) for r in found}


def test_assembling_stores_one_draft_per_date(ctx: Context, day: date) -> None:
    first = add_story(ctx, urgency=2, headline="Parliament dissolved")
    add_story(ctx, urgency=5, section="Business")
    editor = make_editor(ctx)

    edition = briefing.assemble(ctx, day, actor=editor)
    again = briefing.assemble(ctx, day, actor=editor)

    assert edition.status is EditionStatus.DRAFT
    assert edition.greeting == GREETING
    assert edition.items[0].story_id == first
    assert again.id == edition.id
    with ctx.db.transaction() as conn:
        assert (
            editions.insert(
                conn,
                edition_date=day,
                status=EditionStatus.DRAFT,
                greeting="g",
                sign_off="s",
                items=(),
                reserve=(),
                now=ctx.clock(),
            )
            is None
        )
    assert _actions(ctx).count("briefing.assemble") == 1


def test_with_no_story_the_edition_is_skipped_with_a_reason(ctx: Context, day: date) -> None:
    add_story(ctx, headline="")  # needs a headline: never chosen
    edition = briefing.assemble(ctx, day, actor=None)
    assert edition.status is EditionStatus.SKIPPED
    assert edition.skip_reason and "No story qualified" in edition.skip_reason
    with pytest.raises(InvalidInput, match="nothing to send"):
        briefing.approve(ctx, day, actor=None, write_now=True)
    assert _rows(ctx) == {}


def test_weekend_dates_have_no_edition(ctx: Context, day: date) -> None:
    add_story(ctx)
    with pytest.raises(InvalidInput, match="not a briefing day"):
        briefing.assemble(ctx, date(2026, 11, 28), actor=None)


def test_curation_changes_the_draft_and_each_change_is_audited(
    ctx: Context, day: date, clock: FakeClock
) -> None:
    clock.advance(days=-3)
    extra = add_story(ctx, urgency=9, section="Culture")  # older than the draft looks back
    clock.advance(days=3)
    a = add_story(ctx, urgency=2)
    b = add_story(ctx, urgency=4, section="Business")
    c = add_story(ctx, urgency=6, section="Sport")
    editor = make_editor(ctx)
    briefing.assemble(ctx, day, actor=editor)

    curation.reorder(ctx, day, [c, a, b], actor=editor)
    curation.set_pinned(ctx, day, a, pinned=True, actor=editor)
    curation.drop(ctx, day, b, actor=editor)
    curation.add(ctx, day, extra, actor=editor)
    curation.set_summary(ctx, day, c, "An editor's own words.", actor=editor)
    edition = curation.set_greeting(ctx, day, "Good morning, early risers.", actor=editor)

    assert [i.story_id for i in edition.items] == [c, a, extra]
    assert [i.pinned for i in edition.items] == [False, True, False]
    assert edition.items[0].summary == "An editor's own words."
    assert edition.greeting == "Good morning, early risers."
    assert _actions(ctx)[-6:] == [
        "briefing.reorder",
        "briefing.pin",
        "briefing.drop",
        "briefing.add",
        "briefing.summary",
        "briefing.greeting",
    ]


def test_bad_curation_is_refused_and_changes_nothing(ctx: Context, day: date) -> None:
    a = add_story(ctx)
    editor = make_editor(ctx)
    before = briefing.assemble(ctx, day, actor=editor)
    with pytest.raises(InvalidInput, match="exactly once"):
        curation.reorder(ctx, day, [a, a], actor=editor)
    with pytest.raises(InvalidInput, match="at most 60 words"):
        curation.set_summary(ctx, day, a, "word " * 61, actor=editor)
    with pytest.raises(NotFound):
        curation.drop(ctx, day, 999_999, actor=editor)
    with pytest.raises(InvalidInput, match="at least one story"):
        curation.drop(ctx, day, a, actor=editor)
    with pytest.raises(PermissionDenied):
        curation.set_greeting(ctx, day, "Hi", actor=make_editor(ctx, Role.VIEWER))
    assert briefing.preview(ctx, day).edition == before


def test_held_edition_waits_and_approved_one_is_frozen(ctx: Context, day: date) -> None:
    a = add_story(ctx)
    editor = make_editor(ctx)
    assert briefing.hold(ctx, day, actor=editor).status is EditionStatus.HELD
    assert briefing.release(ctx, day, actor=editor).status is EditionStatus.DRAFT
    briefing.hold(ctx, day, actor=editor)
    approved = briefing.approve(ctx, day, actor=editor, write_now=True)
    assert approved.status is EditionStatus.SENDING
    assert approved.approved_by == editor.email
    with pytest.raises(InvalidInput, match="only a draft or a held"):
        curation.set_pinned(ctx, day, a, pinned=True, actor=editor)


def test_approval_queues_each_reader_at_their_local_time_until_their_noon(
    ctx: Context, day: date
) -> None:
    add_story(ctx)
    berlin = briefing_reader(ctx, zone="Europe/Berlin")
    new_york = briefing_reader(ctx, zone="America/New_York", at="07:30")
    tokyo = briefing_reader(ctx, zone="Asia/Tokyo", topics=["science", "politics"])
    newsroom = briefing_reader(ctx, zone=None)

    briefing.approve(ctx, day, actor=None, write_now=True)
    again = briefing.approve  # a second approval has nothing left to do
    with pytest.raises(InvalidInput, match="already sending"):
        again(ctx, day, actor=None, write_now=True)

    rows = _rows(ctx)
    expected = {
        berlin: send_for(day, ZoneInfo("Europe/Berlin")),
        new_york: send_for(day, ZoneInfo("America/New_York"), at=time(7, 30)),
        tokyo: send_for(day, ZoneInfo("Asia/Tokyo")),
        newsroom: send_for(day, ZoneInfo("UTC")),
    }
    assert set(rows) == set(expected)
    for reader, send in expected.items():
        assert send is not None
        assert rows[reader][:2] == (send.send_at, send.expires_at)
        assert rows[reader][3] == "queued"
    assert rows[berlin][2] == 0
    assert rows[tokyo][2] != 0  # a topic segment of its own


def test_preview_counts_segments_and_shows_the_send_window(ctx: Context, day: date) -> None:
    add_story(ctx, topics=("science",))
    briefing_reader(ctx, zone="Asia/Tokyo", topics=["science"])
    briefing_reader(ctx, zone="America/Los_Angeles", topics=["science"])
    briefing_reader(ctx, zone="Europe/Berlin")
    shown = briefing.preview(ctx, day).as_json()
    assert shown["segments"] == 2
    assert shown["date"] == "2026-11-24"
    assert shown["first_send_at"] == "2026-11-23T21:00:00+00:00"  # 06:00 in Tokyo
    assert shown["last_expiry_at"] == "2026-11-24T20:00:00+00:00"  # noon in Los Angeles
    assert shown["readers"] == 3
    assert set(shown["items"][0]) == {"story_id", "headline", "summary", "section", "url"}  # type: ignore[index]


def test_holidays_come_from_the_table_and_the_settings(ctx: Context, day: date) -> None:
    add_story(ctx)
    editor = make_editor(ctx)
    assert briefing.add_holiday(ctx, day, note="Founders' day", actor=editor)
    assert not briefing.add_holiday(ctx, day, note="again", actor=editor)
    assert briefing.holidays(ctx) == [(day, "Founders' day")]
    with pytest.raises(InvalidInput, match="not a briefing day"):
        briefing.assemble(ctx, day, actor=editor)
    assert briefing.next_date(ctx) == date(2026, 11, 25)
    assert briefing.remove_holiday(ctx, day, actor=editor)
    assert briefing.assemble(ctx, day, actor=editor).status is EditionStatus.DRAFT
    assert "briefing.holiday.add" in _actions(ctx)


def test_a_skipped_edition_becomes_a_draft_once_a_pasted_story_has_its_link(
    ctx: Context, day: date
) -> None:
    pasted = add_story(ctx, linked=False)
    assert briefing.assemble(ctx, day, actor=None).status is EditionStatus.SKIPPED
    editing.edit_story(
        ctx, pasted, headline="Story gets its link", url="https://news.example.com/p", actor=None
    )
    edition = briefing.assemble(ctx, day, actor=make_editor(ctx))
    assert edition.status is EditionStatus.DRAFT and edition.skip_reason is None
    assert [(i.story_id, i.url) for i in edition.items] == [(pasted, "https://news.example.com/p")]
    assert _actions(ctx).count("briefing.assemble") == 2


def test_adding_a_story_to_a_skipped_edition_makes_it_a_draft(
    ctx: Context, day: date, clock: FakeClock
) -> None:
    clock.advance(days=-3)
    story = add_story(ctx)  # older than the draft looks back: never chosen by itself
    clock.advance(days=3)
    assert briefing.assemble(ctx, day, actor=None).status is EditionStatus.SKIPPED
    edition = curation.add(ctx, day, story, actor=make_editor(ctx))
    assert edition.status is EditionStatus.DRAFT and edition.skip_reason is None
    assert [i.story_id for i in edition.items] == [story]


def test_adding_a_pasted_story_just_linked_to_a_skipped_edition_is_done_not_refused(
    ctx: Context, day: date
) -> None:
    pasted = add_story(ctx, linked=False)
    assert briefing.assemble(ctx, day, actor=None).status is EditionStatus.SKIPPED
    editing.edit_story(
        ctx, pasted, headline="Story gets its link", url="https://news.example.com/p", actor=None
    )
    # Adding looks for stories again first, which takes this one in: the Add succeeds.
    edition = curation.add(ctx, day, pasted, actor=make_editor(ctx))
    assert edition.status is EditionStatus.DRAFT
    assert [i.story_id for i in edition.items] == [pasted]
    with pytest.raises(InvalidInput, match="already in the briefing"):
        curation.add(ctx, day, pasted, actor=make_editor(ctx))  # a second Add is refused


def test_a_skipped_edition_past_its_last_readers_noon_stays_skipped(
    ctx: Context, day: date, clock: FakeClock
) -> None:
    briefing_reader(ctx, zone="Europe/London")
    assert briefing.assemble(ctx, day, actor=None).status is EditionStatus.SKIPPED
    clock.advance(days=2)  # Wednesday evening: every reader's noon has passed
    story = add_story(ctx)
    assert briefing.assemble(ctx, day, actor=None).status is EditionStatus.SKIPPED
    with pytest.raises(InvalidInput, match="is skipped"):
        curation.add(ctx, day, story, actor=make_editor(ctx))
    assert briefing.get(ctx, day).items == ()
