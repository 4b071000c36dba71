"""Special reports end to end: newsroom time, sent once when due, cancellable until then."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bulletin.delivery import starts
from bulletin.domain.errors import InvalidInput, PermissionDenied, UnsafeHeaderValue
from bulletin.domain.models import CampaignStatus, Role
from bulletin.domain.reports import ReportContent, ReportStatus, Section
from bulletin.domain.stories import Image, Story
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.services.special_reports import scheduling as reports
from bulletin.services.stories import ingest as stories
from bulletin.store import audit
from bulletin.store.tables import campaigns, deliveries
from tests.support.engines import engine_for
from tests.support.factories import (
    FakeClock,
    confirmed_reader,
    make_editor,
    unique_email,
    web_requester,
)
from tests.support.smtp_sink import SmtpSink

SPECIAL = ["special-reports"]
# Saturday 13 March 2027, noon in New York; the clocks go forward overnight.
BEFORE_DST = datetime(2027, 3, 13, 17, 0, tzinfo=UTC)
CONTENT = ReportContent(
    headline="The river that came back",
    subject="Special report: the river that came back",
    dek="A year after the flood, a town rebuilds.",
    sections=(
        Section("The night", "<p>The water rose at midnight.</p>"),
        Section(
            "The morning",
            "<p>By dawn the <a href='https://n.example/m'>main street</a> was gone.</p>",
        ),
    ),
    cta_url="https://news.example.com/river",
)


@pytest.fixture
def newsroom(ctx: Context, clock: FakeClock) -> Context:
    """The test context with the newsroom in New York, the day before the clocks change."""
    ctx.settings = ctx.settings.replace(time_zone="America/New_York")
    clock.now = BEFORE_DST
    return ctx


def _scheduled(ctx: Context, at: str = "2027-03-14 07:00", content: ReportContent = CONTENT) -> int:
    return reports.create(ctx, content, actor=None, at=at).id


def _campaign_rows(ctx: Context) -> list[tuple[int, str]]:
    with ctx.db.transaction() as conn:
        return [(r.id, r.kind) for r in conn.execute(select(campaigns))]


def _ledger(ctx: Context) -> int:
    with ctx.db.transaction() as conn:
        return len(conn.execute(select(deliveries.c.id)).all())


def test_a_time_on_the_dst_morning_is_read_in_the_newsroom_zone(newsroom: Context) -> None:
    report = reports.create(newsroom, CONTENT, actor=None, at="2027-03-14 07:00")
    assert report.status is ReportStatus.SCHEDULED
    assert report.scheduled_at == datetime(2027, 3, 14, 11, 0, tzinfo=UTC)  # 07:00 EDT
    view = reports.get(newsroom, report.id)
    assert view.scheduled_local == "Sun 14 Mar 2027, 07:00 EDT"
    assert view.scheduled_input == "2027-03-14 07:00"


def test_a_time_that_does_not_exist_that_night_is_refused(newsroom: Context) -> None:
    draft = reports.create(newsroom, CONTENT, actor=None)
    with pytest.raises(InvalidInput, match="does not exist in America/New_York"):
        reports.schedule(newsroom, draft.id, "2027-03-14 02:30", actor=None)
    assert reports.get(newsroom, draft.id).report.status is ReportStatus.DRAFT


def test_a_time_already_past_is_refused(newsroom: Context) -> None:
    with pytest.raises(InvalidInput, match="already passed"):
        reports.create(newsroom, CONTENT, actor=None, at="2027-03-13 11:00")


def test_nothing_goes_before_its_time_then_every_reader_gets_it_once(
    newsroom: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    readers = [unique_email() for _ in range(3)]
    for email in readers:
        confirmed_reader(newsroom, lists=SPECIAL, email=email)
    breaking_only = confirmed_reader(newsroom, lists=["breaking"], email=unique_email())
    pending = unique_email()
    subscriptions.sign_up(newsroom, email=pending, list_slugs=SPECIAL, requester=web_requester())
    report_id = _scheduled(newsroom)
    engine = engine_for(newsroom, smtp_sink.url)

    clock.now = datetime(2027, 3, 14, 10, 59, tzinfo=UTC)  # 06:59 EDT
    engine.run_until_idle()
    assert smtp_sink.list_mail() == [] and _campaign_rows(newsroom) == []

    clock.now = datetime(2027, 3, 14, 11, 0, tzinfo=UTC)
    engine.run_until_idle()
    engine.run_until_idle()

    got = sorted(r for m in smtp_sink.list_mail() for r in m.rcpt_tos)
    assert got == sorted(readers)
    assert breaking_only and pending not in got
    view = reports.get(newsroom, report_id)
    assert view.status == CampaignStatus.SENT.value
    message = smtp_sink.list_mail_to(readers[0])[0]
    assert message["Subject"] == CONTENT.subject
    assert message["List-Id"] == '"Special Reports" <special-reports.news.example.com>'
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "The water rose at midnight." in html and 'role="presentation"' in html
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "main street (https://n.example/m)" in text


def test_cancelled_before_its_time_nothing_is_sent(
    newsroom: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    confirmed_reader(newsroom, lists=SPECIAL)
    report_id = _scheduled(newsroom)
    editor = make_editor(newsroom)
    reports.cancel(newsroom, report_id, actor=editor)

    clock.now = datetime(2027, 3, 15, tzinfo=UTC)
    engine_for(newsroom, smtp_sink.url).run_until_idle()

    assert smtp_sink.list_mail() == [] and _ledger(newsroom) == 0
    assert reports.get(newsroom, report_id).status == "cancelled"
    with newsroom.db.transaction() as conn:
        actions = [(e["actor"], e["action"]) for e in audit.recent(conn)]
    assert (editor.email, "special.cancel") in actions and ("cli", "special.schedule") in actions


def test_a_cancelled_report_is_never_started_even_if_it_was_seen_due(newsroom: Context) -> None:
    report_id = _scheduled(newsroom)
    reports.cancel(newsroom, report_id, actor=None)
    # The scheduler listed it as due just before the cancel committed: its start finds nothing.
    with newsroom.db.transaction() as conn:
        started = starts.start_report(conn, report_id, now=datetime(2027, 3, 15, tzinfo=UTC))
    assert started is None and _campaign_rows(newsroom) == []


def test_once_started_cancel_and_edit_are_refused(
    newsroom: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    confirmed_reader(newsroom, lists=SPECIAL)
    report_id = _scheduled(newsroom)
    clock.now = datetime(2027, 3, 14, 11, 0, tzinfo=UTC)
    (campaign_id,) = starts.start_due_reports(newsroom.db, now=clock.now)

    with pytest.raises(InvalidInput, match=f"started sending.*campaign {campaign_id}"):
        reports.cancel(newsroom, report_id, actor=None)
    with pytest.raises(InvalidInput, match="started sending"):
        reports.update(newsroom, report_id, CONTENT, actor=None)
    engine_for(newsroom, smtp_sink.url).run_until_idle()
    assert len(smtp_sink.list_mail()) == 1


def test_section_html_is_sanitised_before_it_is_kept_and_sent(newsroom: Context) -> None:
    dirty = dataclasses.replace(
        CONTENT,
        sections=(
            Section(
                "Inside",
                '<p onclick="steal()">Fine <script>alert(1)</script>'
                '<a href="javascript:x()">x</a></p>'
                "<style>p{}</style><iframe src='https://evil.example'></iframe>",
            ),
        ),
    )
    report = reports.create(newsroom, dirty, actor=None)
    body = report.content.sections[0].body_html
    assert "<script" not in body and "alert(1)" not in body and "onclick" not in body
    assert "javascript:" not in body and "<iframe" not in body and "<style" not in body
    assert "Fine" in body


def test_header_injection_in_the_subject_is_refused(newsroom: Context) -> None:
    bad = dataclasses.replace(CONTENT, subject="Hello\r\nBcc: everyone@example.org")
    with pytest.raises(UnsafeHeaderValue):
        reports.create(newsroom, bad, actor=None)


def test_viewers_cannot_create_schedule_or_cancel(newsroom: Context) -> None:
    viewer = make_editor(newsroom, role=Role.VIEWER)
    report_id = _scheduled(newsroom)
    with pytest.raises(PermissionDenied):
        reports.create(newsroom, CONTENT, actor=viewer)
    with pytest.raises(PermissionDenied):
        reports.schedule(newsroom, report_id, "2027-03-14 08:00", actor=viewer)
    with pytest.raises(PermissionDenied):
        reports.cancel(newsroom, report_id, actor=viewer)


def test_rescheduling_moves_the_time_and_is_audited(newsroom: Context) -> None:
    report_id = _scheduled(newsroom)
    moved = reports.schedule(newsroom, report_id, "2027-03-14 09:15", actor=None)
    assert moved.scheduled_at == datetime(2027, 3, 14, 13, 15, tzinfo=UTC)
    with newsroom.db.transaction() as conn:
        assert [e["action"] for e in audit.recent(conn)][:3] == [
            "special.schedule",
            "special.schedule",
            "special.create",
        ]


def test_a_story_fills_in_a_draft(newsroom: Context) -> None:
    story = Story(
        source="test",
        headline="Dam holds after record rain",
        summary="Engineers say the worst is over.",
        body_html="<p>The dam held.</p><p>Crews stayed all night.</p>",
        paragraphs=("The dam held.", "Crews stayed all night."),
        images=(Image("https://img.example/dam.jpg", "The dam at dawn", "A. Photographer"),),
        url="https://news.example.com/dam",
    )
    (result,) = stories.store_items(newsroom, [story], index=stories.cluster_index(newsroom))
    assert result.story is not None
    content = reports.from_story(newsroom, result.story.id)
    assert (content.headline, content.dek) == (story.headline, story.summary)
    assert content.hero is not None and content.hero.credit == "A. Photographer"
    assert "Crews stayed all night." in content.sections[0].body_html
    assert content.cta_url == story.url and content.story_id == result.story.id
    assert reports.create(newsroom, content, actor=None).content.story_id == result.story.id


def test_a_cancel_racing_the_start_waits_for_it_and_is_refused(newsroom: Context) -> None:
    """The scheduler holds the report's row while it starts; the editor's cancel waits, then
    sees it started: the report is sent in full or not at all, never half-cancelled."""
    report_id = _scheduled(newsroom)
    outcome: dict[str, object] = {}

    def cancel() -> None:
        try:
            reports.cancel(newsroom, report_id, actor=None)
            outcome["result"] = "cancelled"
        except InvalidInput as exc:
            outcome["result"] = exc

    with newsroom.db.transaction() as conn:
        campaign_id = starts.start_report(
            conn, report_id, now=datetime(2027, 3, 14, 11, tzinfo=UTC)
        )
        racer = threading.Thread(target=cancel)
        racer.start()
        racer.join(0.5)
        assert racer.is_alive()  # held up by the start's lock, not deciding on stale data
    racer.join(30)
    assert isinstance(outcome["result"], InvalidInput)
    assert f"campaign {campaign_id}" in str(outcome["result"])
    assert reports.get(newsroom, report_id).report.status is ReportStatus.SENDING


def test_a_report_cannot_name_a_story_that_is_not_there(newsroom: Context) -> None:
    with pytest.raises(InvalidInput, match="no story 999"):
        reports.create(newsroom, dataclasses.replace(CONTENT, story_id=999), actor=None)
