"""The desk's campaign view: live counts, the event stream, and pause/resume/cancel."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from bulletin.domain.models import AlertDraft, Role
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from tests.support.engines import engine_for
from tests.support.factories import confirmed_reader
from tests.support.smtp_sink import SmtpSink
from tests.support.web import csrf_from, signed_in_as

ALERT = AlertDraft(
    headline="Polls close", summary="Counting starts.", url="https://n.example.com/p"
)


def _fired(ctx: Context, readers: int = 3) -> int:
    for _ in range(readers):
        confirmed_reader(ctx)
    return alerts.fire_alert(ctx, ALERT, actor=None).campaign_id


def test_progress_json_counts_the_ledger(client: TestClient, ctx: Context) -> None:
    campaign_id = _fired(ctx)
    data = signed_in_as(client, ctx).get(f"/desk/campaigns/{campaign_id}/progress.json").json()
    assert (data["status"], data["total"], data["queued"], data["sent"]) == ("sending", 3, 3, 0)


def test_event_stream_reports_progress_then_done(client: TestClient, ctx: Context) -> None:
    campaign_id = _fired(ctx)
    engine_for(ctx, "memory").run_until_idle()
    with signed_in_as(client, ctx).stream(
        "GET", f"/desk/campaigns/{campaign_id}/events"
    ) as response:
        body = "".join(response.iter_text())
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [block for block in body.split("\n\n") if block]
    progress = json.loads(events[0].split("data: ", 1)[1])
    assert progress["sent"] == 3 and progress["status"] == "sent"
    assert events[-1].startswith("event: done")


def test_editor_pauses_and_resumes_from_the_page(client: TestClient, ctx: Context) -> None:
    campaign_id = _fired(ctx)
    desk = signed_in_as(client, ctx)
    page = desk.get(f"/desk/campaigns/{campaign_id}")
    assert "Pause</button>" in page.text
    desk.post(f"/desk/campaigns/{campaign_id}/pause", data={"csrf_token": csrf_from(page.text)})
    paused = desk.get(f"/desk/campaigns/{campaign_id}")
    assert "Resume</button>" in paused.text and ">paused<" in paused.text
    desk.post(f"/desk/campaigns/{campaign_id}/resume", data={"csrf_token": csrf_from(paused.text)})
    assert desk.get(f"/desk/campaigns/{campaign_id}/progress.json").json()["status"] == "sending"


def test_cancel_closes_every_unsent_row(client: TestClient, ctx: Context) -> None:
    campaign_id = _fired(ctx)
    desk = signed_in_as(client, ctx)
    page = desk.get(f"/desk/campaigns/{campaign_id}")
    token = csrf_from(page.text)
    question = desk.post(f"/desk/campaigns/{campaign_id}/cancel", data={"csrf_token": token})
    assert "Cancel the rest of “Polls close”?" in question.text  # named by its subject
    assert desk.get(f"/desk/campaigns/{campaign_id}/progress.json").json()["cancelled"] == 0
    desk.post(
        f"/desk/campaigns/{campaign_id}/cancel",
        data={"csrf_token": csrf_from(question.text), "confirmed": "yes"},
    )
    data = desk.get(f"/desk/campaigns/{campaign_id}/progress.json").json()
    assert (data["status"], data["cancelled"], data["queued"]) == ("cancelled", 3, 0)


def test_viewer_cannot_pause(client: TestClient, ctx: Context) -> None:
    campaign_id = _fired(ctx)
    viewer = signed_in_as(client, ctx, role=Role.VIEWER)
    page = viewer.get(f"/desk/campaigns/{campaign_id}")
    assert "Pause</button>" not in page.text
    response = viewer.post(
        f"/desk/campaigns/{campaign_id}/pause", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 403
    assert viewer.get(f"/desk/campaigns/{campaign_id}/progress.json").json()["status"] == "sending"


def test_pause_without_csrf_is_refused(client: TestClient, ctx: Context) -> None:
    campaign_id = _fired(ctx)
    desk = signed_in_as(client, ctx)
    assert desk.post(f"/desk/campaigns/{campaign_id}/pause", data={}).status_code == 403
    assert desk.get(f"/desk/campaigns/{campaign_id}/progress.json").json()["status"] == "sending"


def test_unknown_campaign_is_a_clear_404(client: TestClient, ctx: Context) -> None:
    response = signed_in_as(client, ctx).get("/desk/campaigns/999999")
    assert response.status_code == 404 and "no campaign 999999" in response.text


def test_the_page_says_why_a_message_waits_and_when_it_is_tried_again(
    client: TestClient, ctx: Context, smtp_sink: SmtpSink
) -> None:
    confirmed_reader(ctx, email="greylisted@readers.example.org")
    smtp_sink.handler.rcpt_replies["greylisted@readers.example.org"] = (
        "451 4.7.1 Greylisted, come back later"
    )
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    desk = signed_in_as(client, ctx)
    fresh = desk.get(f"/desk/campaigns/{campaign_id}").text
    engine_for(ctx, smtp_sink.url).run_until_idle()
    page = desk.get(f"/desk/campaigns/{campaign_id}").text
    live = desk.get(f"/desk/campaigns/{campaign_id}/progress.json").json()

    assert '<p id="retry" aria-live="polite" hidden>' in fresh  # nothing tried yet
    retry = page.split('<p id="retry"', 1)[1].split("</p>", 1)[0]
    assert "hidden" not in retry.split(">", 1)[0]
    assert "1 message waits to be tried again: next try at " in retry
    assert "The relay said: <code>451 4.7.1 Greylisted, come back later</code>" in retry
    assert live["retry"]["waiting"] == 1 and live["retry"]["next_at"] in retry
