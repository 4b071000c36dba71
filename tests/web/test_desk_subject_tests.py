"""A subject test on the desk: written with the alert, stated on the review page, raced
on the campaign's live page, and ended early only after the editor confirms."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from bulletin.services.alerts import races
from bulletin.services.briefing import editions as briefing
from bulletin.services.context import Context
from bulletin.web.app import create_app
from tests.support.alerts import campaign_id_of, fire, review
from tests.support.briefing import add_story, briefing_reader
from tests.support.factories import FakeClock, confirmed_reader
from tests.support.web import csrf_from, signed_in_as

TUESDAY = date(2026, 11, 24)
TEST = {"subject_b": "Flood warning for the valley", "test_share": "20", "test_minutes": "4"}


@pytest.fixture
def counting(ctx: Context) -> Context:
    return Context(
        settings=ctx.settings.replace(click_tracking="aggregate"), db=ctx.db, clock=ctx.clock
    )


@pytest.fixture
def client(counting: Context) -> Iterator[TestClient]:
    with TestClient(create_app(counting)) as test_client:
        yield test_client


def test_the_form_offers_a_subject_test_only_with_click_counts(
    client: TestClient, counting: Context, ctx: Context
) -> None:
    page = signed_in_as(client, counting).get("/desk/alerts/new").text
    assert 'name="subject_b"' in page and 'name="test_share"' in page

    with TestClient(create_app(ctx)) as off:
        page = signed_in_as(off, ctx).get("/desk/alerts/new").text
    assert 'name="subject_b"' not in page and "click counts are off" in page


def test_the_review_page_states_the_race(client: TestClient, counting: Context) -> None:
    for _ in range(10):
        confirmed_reader(counting)
    desk = signed_in_as(client, counting)

    page = review(desk, subject="Markets tumble", **TEST)

    assert page.status_code == 200
    race = page.text.split('id="subject-test"')[1].split("</dd>")[0]
    assert "<li>Markets tumble</li><li>Flood warning for the valley</li>" in race
    assert "About 2 readers (20 %)" in race and "After 4 minutes" in race
    assert "goes to the other 8" in race


def test_a_test_the_newsroom_cannot_run_is_refused_on_the_form(
    client: TestClient, counting: Context
) -> None:
    desk = signed_in_as(client, counting)

    too_short = review(desk, **{**TEST, "test_minutes": "2"})
    not_a_number = review(desk, **{**TEST, "test_share": "ten"})
    same = review(desk, subject="Flood warning for the valley", **TEST)

    assert too_short.status_code == 422 and "from 3 to 120 minutes" in too_short.text
    assert not_a_number.status_code == 422 and "whole number" in not_a_number.text
    assert same.status_code == 422 and "must differ" in same.text
    # What was written stays on the form, the test included.
    assert 'value="Flood warning for the valley"' in too_short.text


def test_the_live_page_shows_the_race_and_ends_it_on_confirmation(
    client: TestClient, counting: Context
) -> None:
    for _ in range(20):
        confirmed_reader(counting)
    desk = signed_in_as(client, counting)
    campaign_id = campaign_id_of(fire(desk, subject="Markets tumble", **TEST))

    page = desk.get(f"/desk/campaigns/{campaign_id}").text
    progress = json.loads(desk.get(f"/desk/campaigns/{campaign_id}/progress.json").text)

    assert 'id="race-h">Subject test' in page and "Ends at" in page
    assert [s["subject"] for s in progress["race"]["standings"]] == [
        "Markets tumble",
        "Flood warning for the valley",
    ]
    assert progress["race"]["left_s"] == 240 and progress["race"]["winner"] is None

    token = csrf_from(page)
    asked = desk.post(f"/desk/campaigns/{campaign_id}/subject-test/end", data={"csrf_token": token})
    assert asked.status_code == 200 and "End the subject test now?" in asked.text
    race = races.race(counting, campaign_id)
    assert race is not None and race.winner is None  # nothing happens before the yes

    ended = desk.post(
        f"/desk/campaigns/{campaign_id}/subject-test/end",
        data={"csrf_token": csrf_from(asked.text), "confirmed": "yes"},
        follow_redirects=False,
    )
    assert (
        ended.status_code == 303 and ended.headers["location"] == f"/desk/campaigns/{campaign_id}"
    )
    after = desk.get(ended.headers["location"]).text
    assert "Too few clicks to tell" in after
    assert 'id="end-race"' not in after
    race = races.race(counting, campaign_id)
    assert race is not None and race.winner == 0


def test_the_briefing_page_saves_a_subject_test_for_the_edition(
    client: TestClient, counting: Context, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Monday afternoon
    add_story(counting, headline="Levee holds as crews work through the night", urgency=2)
    briefing_reader(counting, zone="Asia/Tokyo")
    desk = signed_in_as(client, counting)
    page = desk.get("/desk/briefing?date=2026-11-24").text
    assert 'id="subject-test-h">Subject test' in page
    assert "The edition's own subject: “Morning Briefing, Tue Nov 24: Levee holds" in page

    fields = {"date": "2026-11-24", "subject_b": "Your Tuesday, in five stories"}
    saved = desk.post(
        "/desk/briefing/subject-test",
        data={"csrf_token": csrf_from(page), **fields, "test_share": "20", "test_minutes": "30"},
        follow_redirects=False,
    )
    refused = desk.post(
        "/desk/briefing/subject-test",
        data={"csrf_token": csrf_from(page), **fields, "test_minutes": "1"},
    )

    assert saved.status_code == 303
    assert saved.headers["location"] == "/desk/briefing?date=2026-11-24#subject-test"
    shown = desk.get(saved.headers["location"]).text
    assert "against “Your Tuesday, in five stories”" in shown
    assert "on 20 % of the first readers for 30 minutes" in shown
    assert "from 3 to 120 minutes" in refused.text  # said on the page, nothing saved
    edition = briefing.get(counting, TUESDAY)
    assert edition.subject_test is not None and edition.subject_test.window_s == 1800
