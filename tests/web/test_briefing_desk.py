"""The desk's briefing page: curate the draft, preview per segment, hold or approve."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from bulletin.domain.models import Role
from bulletin.services.briefing import editions as briefing
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.web.app import create_app
from tests.support.briefing import add_story, briefing_reader
from tests.support.factories import FakeClock
from tests.support.web import csrf_from, signed_in_as

TUESDAY = date(2026, 11, 24)


@pytest.fixture
def client(ctx: Context, clock: FakeClock) -> Iterator[TestClient]:
    clock.now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Monday afternoon
    with TestClient(create_app(ctx)) as test_client:
        yield test_client


def _post(client: TestClient, action: str, **data: object) -> object:
    token = csrf_from(client.get("/desk/briefing?date=2026-11-24").text)
    return client.post(
        f"/desk/briefing/{action}",
        data={"csrf_token": token, "date": "2026-11-24", **data},
        follow_redirects=False,
    )


def test_page_shows_the_draft_window_and_segments(client: TestClient, ctx: Context) -> None:
    add_story(ctx, headline="Parliament dissolved", section="Politics")
    briefing_reader(ctx, zone="Europe/Berlin", topics=["science"])
    briefing_reader(ctx, zone="America/New_York")
    page = signed_in_as(client, ctx).get("/desk/briefing?date=2026-11-24")
    assert page.status_code == 200
    assert "Parliament dissolved" in page.text
    assert "Preview by segment (2)" in page.text
    assert "2026-11-24 05:00 UTC" in page.text  # 06:00 in Berlin
    assert "Science &amp; environment" in page.text
    frame = client.get("/desk/briefing/preview.html?date=2026-11-24&segment=0")
    assert "Read more in POLITICS" in frame.text
    assert "sandbox" in frame.headers["content-security-policy"]


def test_editor_curates_then_approves(client: TestClient, ctx: Context) -> None:
    first = add_story(ctx, urgency=2)
    second = add_story(ctx, urgency=5, section="Business")
    signed_in_as(client, ctx)
    assert _post(client, "down", story_id=first).status_code == 303  # type: ignore[attr-defined]
    assert _post(client, "pin", story_id=first).status_code == 303  # type: ignore[attr-defined]
    _post(client, "summary", story_id=second, text="Markets rose sharply.")
    _post(client, "greeting", text="Good morning from the desk.")
    edition = briefing.preview(ctx, TUESDAY).edition
    assert [i.story_id for i in edition.items] == [second, first]
    assert edition.items[0].summary == "Markets rose sharply."
    assert edition.items[1].pinned and edition.greeting == "Good morning from the desk."
    question = _post(client, "approve")
    assert question.status_code == 200  # type: ignore[attr-defined]
    assert "Approve the briefing for Tuesday 24 November 2026?" in question.text  # type: ignore[attr-defined]
    assert briefing.preview(ctx, TUESDAY).edition.status.value == "draft"
    assert _post(client, "approve", confirmed="yes").status_code == 303  # type: ignore[attr-defined]
    assert briefing.preview(ctx, TUESDAY).edition.status.value in ("approved", "sending")
    with ctx.db.transaction() as conn:
        actions = [e["action"] for e in audit.recent(conn)]
    assert {"briefing.reorder", "briefing.pin", "briefing.summary", "briefing.approve"} <= set(
        actions
    )


def test_bad_input_is_refused_with_a_message(client: TestClient, ctx: Context) -> None:
    add_story(ctx)
    signed_in_as(client, ctx)
    response = _post(client, "summary", story_id="12x", text="x")
    assert response.status_code == 303  # type: ignore[attr-defined]
    shown = client.get(response.headers["location"]).text  # type: ignore[attr-defined]
    assert 'class="flash error"' in shown and "did not say which story" in shown


def test_each_change_returns_to_what_it_changed_and_says_so_once(
    client: TestClient, ctx: Context
) -> None:
    first = add_story(ctx, urgency=2)
    add_story(ctx, urgency=5)
    signed_in_as(client, ctx)
    moved = _post(client, "down", story_id=first)
    where = moved.headers["location"]  # type: ignore[attr-defined]
    assert where == f"/desk/briefing?date=2026-11-24#item-{first}"
    page = client.get(where).text
    assert "Moved down." in page and f'id="item-{first}"' in page
    assert "Moved down." not in client.get(where).text  # a reload says nothing, moves nothing
    held = _post(client, "hold")
    assert held.headers["location"] == "/desk/briefing?date=2026-11-24#when"  # type: ignore[attr-defined]


def test_a_story_is_found_by_its_headline_and_added(client: TestClient, ctx: Context) -> None:
    add_story(ctx, urgency=2)
    late = add_story(ctx, urgency=None, headline="Harbour fire forces evacuations")
    signed_in_as(client, ctx)
    found = client.get("/desk/briefing?date=2026-11-24&find=harbour+fire")
    assert "Stories matching “harbour fire”" in found.text
    assert f'name="story_id" value="{late}"' in found.text
    nothing = client.get("/desk/briefing?date=2026-11-24&find=zebra").text
    assert "No story matches" in nothing
    added = _post(client, "add", story_id=late)
    assert added.headers["location"].endswith(f"#item-{late}")  # type: ignore[attr-defined]
    assert late in [i.story_id for i in briefing.preview(ctx, TUESDAY).edition.items]


def test_an_edition_not_assembled_says_so_in_its_badge(client: TestClient, ctx: Context) -> None:
    page = signed_in_as(client, ctx).get("/desk/briefing?date=2026-11-24").text
    assert '<span class="status">not assembled yet</span>' in page
    assert '<span class="status skipped">' not in page
    assert "Would be skipped now:" in page


def test_viewer_reads_but_cannot_change(client: TestClient, ctx: Context) -> None:
    add_story(ctx)
    page = signed_in_as(client, ctx, Role.VIEWER).get("/desk/briefing?date=2026-11-24")
    assert page.status_code == 200 and "Save summary" not in page.text
    assert _post(client, "hold").status_code == 403  # type: ignore[attr-defined]


def test_forms_need_the_csrf_token(client: TestClient, ctx: Context) -> None:
    add_story(ctx)
    signed_in_as(client, ctx)
    response = client.post("/desk/briefing/hold", data={"date": "2026-11-24"})
    assert response.status_code in (400, 403)
    assert briefing.preview(ctx, TUESDAY).stored is False


def test_dashboard_says_why_the_next_edition_was_skipped(client: TestClient, ctx: Context) -> None:
    briefing_reader(ctx, zone="Europe/Berlin")
    briefing.assemble(ctx, TUESDAY, actor=None)  # no stories: skipped
    page = signed_in_as(client, ctx).get("/desk")
    assert "Next Morning Briefing" in page.text
    assert "No story qualified" in page.text
    assert "24 Nov 05:00 UTC" in page.text


def test_an_approved_edition_links_its_delivery(client: TestClient, ctx: Context) -> None:
    add_story(ctx, headline="Parliament dissolved")
    briefing_reader(ctx, zone="Europe/Berlin")
    page = signed_in_as(client, ctx).get("/desk/briefing?date=2026-11-24")
    assert 'id="delivery-link"' not in page.text  # a draft has no send to watch yet
    approved = briefing.approve(ctx, TUESDAY, actor=None, write_now=True)
    assert approved.campaign_id is not None
    shown = client.get("/desk/briefing?date=2026-11-24").text
    assert f'href="/desk/campaigns/{approved.campaign_id}" id="delivery-link"' in shown
    assert client.get(f"/desk/campaigns/{approved.campaign_id}").status_code == 200
