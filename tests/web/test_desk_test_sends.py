"""The desk's page of a background test send: it looks again by itself until the end."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from bulletin.domain.models import AlertDraft, Role
from bulletin.services import test_send_jobs
from bulletin.services.alerts import preview as alert_preview
from bulletin.services.context import Context
from tests.support.factories import make_editor
from tests.support.smtp_sink import SmtpSink
from tests.support.web import STAFF_PASSWORD, sign_in

DRAFT = AlertDraft(
    headline="Storm <b>warning</b> for the coast",
    summary="Gales of up to 90 km/h are expected overnight.",
    url="https://news.example.com/storm",
)


def test_the_page_shows_the_job_waiting_then_each_address_s_reply(
    client: TestClient, ctx: Context, smtp_sink: SmtpSink
) -> None:
    relayed = Context(
        settings=ctx.settings.replace(smtp_url=smtp_sink.url), db=ctx.db, clock=ctx.clock
    )
    editor = make_editor(ctx)
    sign_in(client, editor.email, STAFF_PASSWORD)
    job_id = alert_preview.queue_test(ctx, DRAFT, actor=editor, back_path="/desk/alerts/new")

    waiting = client.get(f"/desk/test-sends/{job_id}")
    assert waiting.status_code == 200
    assert 'src="/static/test-send.js"' in waiting.text and 'data-status="queued"' in waiting.text
    assert "Storm &lt;b&gt;warning&lt;/b&gt;" in waiting.text  # the headline is escaped
    assert editor.email in waiting.text

    test_send_jobs.run_one(relayed, "worker-1")
    done = client.get(f"/desk/test-sends/{job_id}")
    assert 'data-status="done"' in done.text and "1 of 1 sent" in done.text
    assert 'id="test-status" role="status" data-status' in done.text  # all sent: not red
    assert "test-send.js" not in done.text and "Look again" not in done.text  # nothing to wait for
    assert 'href="/desk/alerts/new"' in done.text


def test_another_editor_s_job_is_not_found(client: TestClient, ctx: Context) -> None:
    asked = make_editor(ctx)
    job_id = alert_preview.queue_test(ctx, DRAFT, actor=asked, back_path="/desk")
    other = make_editor(ctx, Role.EDITOR)
    sign_in(client, other.email, STAFF_PASSWORD)
    assert client.get(f"/desk/test-sends/{job_id}").status_code == 404
    assert client.get("/desk/test-sends/not-a-number").status_code == 404


def test_the_dashboard_lists_the_editor_s_own_tests_to_find_them_again(
    client: TestClient, ctx: Context
) -> None:
    editor = make_editor(ctx)
    other = make_editor(ctx, Role.EDITOR)
    mine = alert_preview.queue_test(ctx, DRAFT, actor=editor, back_path="/desk/alerts/new")
    alert_preview.queue_test(
        ctx, replace(DRAFT, headline="Someone else's test"), actor=other, back_path="/desk"
    )
    sign_in(client, editor.email, STAFF_PASSWORD)
    dashboard = client.get("/desk").text
    assert f'href="/desk/test-sends/{mine}"' in dashboard and "queued" in dashboard
    assert "Someone else" not in dashboard
