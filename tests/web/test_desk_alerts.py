"""The alert pages over HTTP: form from a story, preview, test send, review, approval, updates."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bulletin.domain.models import Role
from bulletin.services import test_send_jobs
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.tables import audit_log, campaigns, deliveries, test_sends
from bulletin.web.app import create_app
from tests.support.alerts import ALERT, campaign_id_of, fire, make_story, review, review_token, send
from tests.support.factories import confirmed_reader
from tests.support.smtp_sink import SmtpSink
from tests.support.web import csrf_from, signed_in_as


def _app(ctx: Context, **settings: object) -> TestClient:
    changed = Context(
        settings=ctx.settings.replace(**settings),
        db=ctx.db,
        clock=ctx.clock,
    )
    return TestClient(create_app(changed))


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    with _app(ctx) as test_client:
        yield test_client


def _count(ctx: Context, table) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_form_starts_blank_or_from_a_story(client: TestClient, ctx: Context) -> None:
    story_id = make_story(ctx, url="https://news.example.com/harbour")
    desk = signed_in_as(client, ctx)
    blank = desk.get("/desk/alerts/new")
    prefilled = desk.get(f"/desk/alerts/new?story={story_id}")

    assert (
        blank.status_code == 200
        and 'name="headline" required maxlength="200" value=""' in blank.text
    )
    assert 'id="subject" name="subject" maxlength="200" value="Harbour fire' in prefilled.text
    assert 'value="https://news.example.com/harbour"' in prefilled.text
    assert f'name="story_id" value="{story_id}"' in prefilled.text
    assert "Written from the story <strong>Harbour fire forces evacuations" in prefilled.text
    assert desk.get("/desk/alerts/new?story=987654").status_code == 404


def test_the_form_shows_a_server_rendered_preview_in_sandboxed_frames(
    client: TestClient, ctx: Context
) -> None:
    story_id = make_story(ctx)
    page = signed_in_as(client, ctx).get(f"/desk/alerts/new?story={story_id}").text
    assert page.count('<iframe class="preview') == 2
    assert 'class="preview desktop" sandbox ' in page and 'class="preview phone" sandbox ' in page
    assert page.count('srcdoc="&lt;') == 2  # the email, escaped into the attribute
    assert "Harbour fire forces evacuations" in page.split('id="preview-text"')[1]


def test_the_preview_endpoint_returns_what_the_builder_makes(
    client: TestClient, ctx: Context
) -> None:
    desk = signed_in_as(client, ctx)
    token = csrf_from(desk.get("/desk/alerts/new").text)
    shown = desk.post("/desk/alerts/preview", data={"csrf_token": token, **ALERT}).json()
    half = desk.post("/desk/alerts/preview", data={"csrf_token": token, "headline": "Only"}).json()
    injected = desk.post(
        "/desk/alerts/preview",
        data={"csrf_token": token, **ALERT, "subject": "A\r\nBcc: all@example.org"},
    ).json()

    assert shown["subject"] == ALERT["headline"] and shown["problem"] is None
    assert ALERT["summary"] in shown["text"] and f'href="{ALERT["url"]}"' in shown["html"]
    assert "Only" in half["html"] and "summary" in half["problem"]
    assert injected["html"] == "" and "line break" in injected["problem"]
    assert desk.post("/desk/alerts/preview", data=ALERT).status_code == 403  # no CSRF token


def test_a_test_send_is_queued_and_its_page_shows_the_seed_list_s_replies(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    seed = ("desk@news.example.com", "chief@news.example.com")
    relayed = Context(
        settings=ctx.settings.replace(smtp_url=smtp_sink.url, staff_seed_list=seed),
        db=ctx.db,
        clock=ctx.clock,
    )
    with TestClient(create_app(relayed)) as client:
        desk = signed_in_as(client, ctx)
        token = csrf_from(desk.get("/desk/alerts/new").text)
        posted = desk.post(
            "/desk/alerts/test", data={"csrf_token": token, **ALERT}, follow_redirects=False
        )
        # Post/redirect/get to the test's own page; the draft is in no address.
        assert posted.status_code == 303
        location = posted.headers["location"]
        assert re.fullmatch(r"/desk/test-sends/\d+", location)
        assert smtp_sink.list_mail() == []  # the request did not wait on the relay
        waiting = desk.get(location)
        reloaded = desk.get(location)
        test_send_jobs.run_one(relayed, "worker-1")
        done = desk.get(location)
        back = csrf_from(done.text)
        form = desk.post(
            "/desk/alerts/edit",
            data={"csrf_token": back, **ALERT, "subject": ""},
        )

    assert "Test queued for desk@news.example.com, chief@news.example.com" in waiting.text
    assert 'data-status="queued"' in waiting.text
    # A reload shows the job again but neither the message nor a second test.
    assert "Test queued for" not in reloaded.text and 'data-status="queued"' in reloaded.text
    assert "Test sent to desk@news.example.com, chief@news.example.com" in done.text
    assert "2 of 2 sent" in done.text and ALERT["headline"] in done.text
    # "Back to the alert" posts the draft to the form instead of carrying it in a link.
    assert 'action="/desk/alerts/edit"' in done.text
    assert f'name="headline" value="{ALERT["headline"]}"' in done.text
    assert "/desk/alerts/new?headline" not in done.text
    assert f'value="{ALERT["url"]}"' in form.text and ALERT["summary"] in form.text
    assert len(smtp_sink.list_mail()) == 2
    assert {m.message["Subject"] for m in smtp_sink.list_mail()} == {"[TEST] " + ALERT["headline"]}
    assert _count(ctx, deliveries) == 0 and _count(ctx, campaigns) == 0


def test_a_test_send_of_a_half_written_alert_keeps_the_text_and_queues_nothing(
    client: TestClient, ctx: Context
) -> None:
    desk = signed_in_as(client, ctx)
    token = csrf_from(desk.get("/desk/alerts/new").text)
    refused = desk.post("/desk/alerts/test", data={"csrf_token": token, **ALERT, "summary": ""})
    assert refused.status_code == 422 and "summary" in refused.text
    assert f'value="{ALERT["headline"]}"' in refused.text
    assert _count(ctx, test_sends) == 0


def test_review_states_the_count_and_send_goes_to_the_progress_view(
    client: TestClient, ctx: Context
) -> None:
    for _ in range(2):
        confirmed_reader(ctx)
    desk = signed_in_as(client, ctx)
    reviewed = review(desk)
    assert 'id="recipient-count">2</strong> Breaking News readers' in reviewed.text
    assert "Send to 2 readers" in reviewed.text
    assert _count(ctx, campaigns) == 0  # reviewing sends nothing

    sent = send(desk, reviewed.text)
    campaign_id = campaign_id_of(sent)
    progress = desk.get(f"/desk/campaigns/{campaign_id}")
    assert ALERT["headline"] in progress.text and 'role="progressbar"' in progress.text
    assert _count(ctx, deliveries) == 2


def test_a_double_press_of_send_lands_on_the_same_alert(client: TestClient, ctx: Context) -> None:
    confirmed_reader(ctx)
    desk = signed_in_as(client, ctx)
    reviewed = review(desk)
    first, second = send(desk, reviewed.text), send(desk, reviewed.text)
    assert first.headers["location"] == second.headers["location"]
    assert _count(ctx, campaigns) == 1 and _count(ctx, deliveries) == 1


def test_the_send_takes_the_reviewed_content_not_the_posted_fields(
    client: TestClient, ctx: Context
) -> None:
    desk = signed_in_as(client, ctx)
    reviewed = review(desk)
    sent = desk.post(
        "/desk/alerts",
        data={
            "csrf_token": csrf_from(reviewed.text),
            "review_token": review_token(reviewed.text),
            **ALERT,
            "headline": "Something else entirely",
        },
        follow_redirects=False,
    )
    with ctx.db.transaction() as conn:
        headline = conn.execute(select(campaigns.c.headline)).scalar_one()
    assert sent.status_code == 303 and headline == ALERT["headline"]


def test_a_forged_review_token_sends_nothing_and_keeps_the_text(
    client: TestClient, ctx: Context
) -> None:
    desk = signed_in_as(client, ctx)
    reviewed = review(desk)
    response = desk.post(
        "/desk/alerts",
        data={"csrf_token": csrf_from(reviewed.text), "review_token": "forged", **ALERT},
    )
    assert response.status_code == 400 and "review it before sending" in response.text
    assert f'value="{ALERT["headline"]}"' in response.text
    assert _count(ctx, campaigns) == 0


def test_a_subject_with_a_line_break_is_refused_at_review(client: TestClient, ctx: Context) -> None:
    response = review(signed_in_as(client, ctx), subject="Alert\r\nBcc: everyone@example.org")
    assert response.status_code == 422
    assert "subject contains a line break" in response.text
    assert _count(ctx, campaigns) == 0


def test_a_damaged_story_number_is_refused_with_a_message(client: TestClient, ctx: Context) -> None:
    response = review(signed_in_as(client, ctx), story_id="12; drop table")
    assert response.status_code == 422 and "not a number" in response.text


def test_a_viewer_cannot_write_test_review_send_or_approve(
    client: TestClient, ctx: Context
) -> None:
    viewer = signed_in_as(client, ctx, Role.VIEWER)
    token = csrf_from(viewer.get("/desk").text)
    assert viewer.get("/desk/alerts/new").status_code == 403
    for path in ("/desk/alerts/preview", "/desk/alerts/test", "/desk/alerts/review"):
        assert viewer.post(path, data={"csrf_token": token, **ALERT}).status_code == 403, path
    assert viewer.post("/desk/alerts/1/approve", data={"csrf_token": token}).status_code == 403
    assert _count(ctx, campaigns) == 0


def test_second_editor_approval_end_to_end(ctx: Context) -> None:
    confirmed_reader(ctx)
    with _app(ctx, alert_approval=True) as proposer_client:
        proposer = signed_in_as(proposer_client, ctx)
        reviewed = review(proposer)
        assert "Propose for approval" in reviewed.text and "second editor" in reviewed.text
        campaign_id = campaign_id_of(send(proposer, reviewed.text))
        own = proposer.get(f"/desk/campaigns/{campaign_id}")
        assert "You proposed it" in own.text and "Approve and send" not in own.text
        refused = proposer.post(
            f"/desk/alerts/{campaign_id}/approve", data={"csrf_token": csrf_from(own.text)}
        )
        assert refused.status_code == 403 and "different editor" in refused.text
        assert _count(ctx, deliveries) == 0

    with _app(ctx, alert_approval=True) as approver_client:
        approver = signed_in_as(approver_client, ctx)
        page = approver.get(f"/desk/campaigns/{campaign_id}")
        assert "Approve and send" in page.text
        assert "The email to approve" in page.text and ALERT["summary"] in page.text
        assert 'class="preview phone" sandbox' in page.text
        assert approver.post(f"/desk/alerts/{campaign_id}/approve", data={}).status_code == 403
        approved = approver.post(
            f"/desk/alerts/{campaign_id}/approve",
            data={"csrf_token": csrf_from(page.text)},
            follow_redirects=False,
        )
        assert approved.status_code == 303
        assert "approved by" in approver.get(f"/desk/campaigns/{campaign_id}").text
    assert _count(ctx, deliveries) == 1
    with ctx.db.transaction() as conn:
        actions = set(conn.execute(select(audit_log.c.action)).scalars())
    assert {"alert.propose", "alert.approve"} <= actions


def test_send_update_makes_a_follow_up_shown_on_both_campaign_pages(
    client: TestClient, ctx: Context
) -> None:
    confirmed_reader(ctx)
    desk = signed_in_as(client, ctx)
    first = campaign_id_of(fire(desk))
    first_page = desk.get(f"/desk/campaigns/{first}")
    assert f'href="/desk/alerts/new?parent={first}">Send update' in first_page.text

    form = desk.get(f"/desk/alerts/new?parent={first}")
    assert "Send an update" in form.text
    assert f'value="Update: {ALERT["headline"]}"' in form.text
    assert f'name="parent_id" value="{first}"' in form.text
    reviewed = review(desk, parent_id=str(first), subject="Update: markets recover")
    second = campaign_id_of(send(desk, reviewed.text))

    assert "An update to" in desk.get(f"/desk/campaigns/{second}").text
    updates = desk.get(f"/desk/campaigns/{first}").text.split('id="updates"')[1]
    assert f'href="/desk/campaigns/{second}">Update: markets recover' in updates
    assert alerts.draft_for_update(ctx, second).parent_id == second
