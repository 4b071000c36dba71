"""The desk's special-report pages: write, preview, test, schedule and cancel; roles and CSRF."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from bulletin.domain.models import Editor, Role
from bulletin.domain.reports import ReportContent, ReportStatus, Section
from bulletin.domain.stories import Story
from bulletin.services import test_send_jobs
from bulletin.services.context import Context
from bulletin.services.special_reports import scheduling as special_reports
from bulletin.services.stories import ingest as stories
from bulletin.web.app import create_app
from tests.support.factories import FakeClock, make_editor
from tests.support.smtp_sink import SmtpSink
from tests.support.web import csrf_from, sign_in

PASSWORD = "a-long-password-1"
FORM = {
    "headline": "Ten years after the quake",
    "dek": "What was rebuilt, and what was not.",
    "hero_url": "https://img.example.com/quake.jpg",
    "hero_caption": "The old market",
    "hero_credit": "K. Sato / Reuters",
    "section_heading": ["The school", ""],
    "section_body": ["<p>It reopened in 2019.</p><script>alert(1)</script>", ""],
    "section_image_url": ["", ""],
    "section_image_caption": ["", ""],
    "section_image_credit": ["", ""],
    "cta_url": "https://news.example.com/quake",
}


@pytest.fixture
def desk(ctx: Context, clock: FakeClock) -> Context:
    ctx.settings = ctx.settings.replace(time_zone="Europe/Berlin")
    clock.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    return ctx


@pytest.fixture
def client(desk: Context) -> Iterator[TestClient]:
    with TestClient(create_app(desk)) as test_client:
        yield test_client


def _as(client: TestClient, ctx: Context, role: Role = Role.EDITOR) -> Editor:
    editor = make_editor(ctx, role=role, password=PASSWORD)
    sign_in(client, editor.email, PASSWORD)
    return editor


def _report(ctx: Context) -> int:
    content = ReportContent(headline="Quake", sections=(Section("", "<p>Text.</p>"),))
    return special_reports.create(ctx, content, actor=None).id


def test_editor_writes_and_schedules_a_report_in_newsroom_time(
    client: TestClient, desk: Context
) -> None:
    _as(client, desk)
    token = csrf_from(client.get("/desk/special-reports/new").text)
    response = client.post(
        "/desk/special-reports",
        data={**FORM, "csrf_token": token, "at": "2026-12-02T07:30", "action": "schedule"},
    )
    assert response.status_code == 200, response.text
    assert "Wed 2 Dec 2026, 07:30 CET" in response.text
    (view,) = special_reports.recent(desk)
    assert view.report.status is ReportStatus.SCHEDULED
    assert view.report.scheduled_at == datetime(2026, 12, 2, 6, 30, tzinfo=UTC)
    (section,) = view.report.content.sections
    assert section.body_html == "<p>It reopened in 2019.</p>"
    assert view.report.content.hero is not None
    assert view.report.content.hero.credit == "K. Sato / Reuters"


def test_a_bad_time_keeps_what_the_editor_wrote_and_says_why(
    client: TestClient, desk: Context
) -> None:
    _as(client, desk)
    token = csrf_from(client.get("/desk/special-reports/new").text)
    response = client.post(
        "/desk/special-reports",
        data={**FORM, "csrf_token": token, "at": "2026-11-30T07:30", "action": "schedule"},
    )
    assert response.status_code == 422
    assert "already passed" in response.text and "Ten years after the quake" in response.text
    assert response.text.count("already passed") == 1  # said once, at the top of the page
    assert special_reports.recent(desk) == []


def test_preview_is_the_email_in_a_sandbox_and_text_is_plain(
    client: TestClient, desk: Context
) -> None:
    _as(client, desk, Role.VIEWER)
    report_id = _report(desk)
    page = client.get(f"/desk/special-reports/{report_id}")
    assert 'title="Phone preview" width="375"' in page.text
    html = client.get(f"/desk/special-reports/{report_id}/preview.html")
    assert html.headers["content-security-policy"].startswith("sandbox")
    assert "<p" in html.text and "Text." in html.text
    text = client.get(f"/desk/special-reports/{report_id}/preview.txt")
    assert text.headers["content-type"].startswith("text/plain") and "Quake" in text.text


def test_viewer_sees_but_cannot_schedule_or_cancel(client: TestClient, desk: Context) -> None:
    _as(client, desk, Role.VIEWER)
    report_id = _report(desk)
    page = client.get(f"/desk/special-reports/{report_id}")
    assert "can view special reports but not change them" in page.text
    assert f"/desk/special-reports/{report_id}/schedule" not in page.text
    token = csrf_from(page.text)
    for action in ("schedule", "cancel"):
        response = client.post(
            f"/desk/special-reports/{report_id}/{action}",
            data={"csrf_token": token, "at": "2026-12-02T07:30"},
        )
        assert response.status_code == 403
    assert client.get("/desk/special-reports/new").status_code == 403
    assert special_reports.get(desk, report_id).report.status is ReportStatus.DRAFT


def test_a_post_without_the_csrf_token_is_refused(client: TestClient, desk: Context) -> None:
    _as(client, desk)
    report_id = _report(desk)
    for path, data in (
        (f"/desk/special-reports/{report_id}/schedule", {"at": "2026-12-02T07:30"}),
        (f"/desk/special-reports/{report_id}/cancel", {}),
        ("/desk/special-reports", {**FORM, "action": "save"}),
        (f"/desk/special-reports/{report_id}/test-send", {"to": "x@news.example.com"}),
    ):
        assert client.post(path, data=data).status_code == 403
    assert special_reports.get(desk, report_id).report.status is ReportStatus.DRAFT
    assert len(special_reports.recent(desk)) == 1


def test_editor_cancels_from_the_page(client: TestClient, desk: Context) -> None:
    _as(client, desk)
    report_id = special_reports.create(
        desk,
        ReportContent(headline="Quake", sections=(Section("", "<p>Text.</p>"),)),
        actor=None,
        at="2026-12-02 07:30",
    ).id
    token = csrf_from(client.get(f"/desk/special-reports/{report_id}").text)
    path = f"/desk/special-reports/{report_id}/cancel"
    question = client.post(path, data={"csrf_token": token})
    assert question.status_code == 200 and f"Cancel special report {report_id}?" in question.text
    assert special_reports.get(desk, report_id).report.status is ReportStatus.SCHEDULED
    yes = {"csrf_token": token, "confirmed": "yes"}
    response = client.post(path, data=yes)
    assert response.status_code == 200 and ">cancelled<" in response.text
    assert "Cancelled: it will not be sent to anyone." in response.text
    again = client.post(path, data=yes)
    assert again.status_code == 200 and 'class="flash error"' in again.text
    assert "was cancelled" in again.text


def test_test_send_from_the_page_goes_to_the_editor(
    client: TestClient, desk: Context, smtp_sink: SmtpSink
) -> None:
    desk.settings = desk.settings.replace(smtp_url=smtp_sink.url)
    editor = _as(client, desk)
    report_id = _report(desk)
    token = csrf_from(client.get(f"/desk/special-reports/{report_id}").text)
    response = client.post(
        f"/desk/special-reports/{report_id}/test-send",
        data={"csrf_token": token, "to": editor.email},
    )
    assert response.status_code == 200 and "/desk/test-sends/" in str(response.url)
    assert f"Test queued for {editor.email}, subject marked [TEST]." in response.text
    assert test_send_jobs.run_one(desk, "worker-1")
    done = client.get(str(response.url)).text
    assert f"Test sent to {editor.email}, subject marked [TEST]." in done
    assert f'href="/desk/special-reports/{report_id}"' in done  # back to the report
    assert [m.rcpt_tos for m in smtp_sink.received] == [[editor.email]]
    refused = client.post(
        f"/desk/special-reports/{report_id}/test-send",
        data={"csrf_token": token, "to": "stranger@example.org"},
    )
    assert refused.status_code == 403 and len(smtp_sink.received) == 1


def test_new_from_a_story_fills_the_form(client: TestClient, desk: Context) -> None:
    story = Story(
        source="t",
        headline="Bridge reopens",
        summary="After two years.",
        body_html="<p>Traffic flows again.</p>",
        url="https://news.example.com/bridge",
    )
    (stored,) = stories.store_items(desk, [story], index=stories.cluster_index(desk))
    assert stored.story is not None
    _as(client, desk)
    page = client.get(f"/desk/special-reports/new?story={stored.story.id}")
    assert 'value="Bridge reopens"' in page.text and "Traffic flows again." in page.text
    assert f'name="story_id" value="{stored.story.id}"' in page.text
    headless = Story(source="t", body_html="<p>No headline.</p>")
    (bare,) = stories.store_items(desk, [headless], index=stories.cluster_index(desk))
    assert bare.story is not None
    refused = client.get(f"/desk/special-reports/new?story={bare.story.id}")
    assert refused.status_code == 422 and "has no headline yet" in refused.text
