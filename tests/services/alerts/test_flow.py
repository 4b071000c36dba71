"""The desk's alert flow as use cases: from a story to preview, test, review, approval, updates."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from bulletin.delivery.engine import Engine
from bulletin.domain.errors import (
    InvalidAlert,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TokenExpired,
    TokenInvalid,
    UnsafeHeaderValue,
)
from bulletin.domain.models import AlertDraft, CampaignStatus, Role
from bulletin.domain.stories import PubStatus
from bulletin.services.alerts import preview as alert_preview
from bulletin.services.alerts import review as alert_review
from bulletin.services.alerts import sending as alerts
from bulletin.services.campaigns import steering as campaigns
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.store import campaigns as campaign_store
from bulletin.store.db import READ_ONLY
from bulletin.store.readers import suppressions
from bulletin.store.tables import audit_log, deliveries
from bulletin.store.tables import campaigns as campaign_table
from tests.support.alerts import make_story
from tests.support.engines import engine_for
from tests.support.factories import (
    confirmed_reader,
    digest,
    make_editor,
    unique_email,
    web_requester,
)
from tests.support.smtp_sink import SmtpSink

DRAFT = AlertDraft(
    headline="Bridge closed after crash",
    summary="The main bridge is shut in both directions.",
    url="https://news.example.com/bridge",
)


def _with(ctx: Context, **settings: object) -> Context:
    return Context(
        settings=ctx.settings.replace(**settings),
        db=ctx.db,
        clock=ctx.clock,
    )


def _count(ctx: Context, table) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _actions(ctx: Context) -> list[str]:
    with ctx.db.transaction() as conn:
        return list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars())


def _ledger(ctx: Context, campaign_id: int) -> int:
    with ctx.db.transaction() as conn:
        query = select(func.count()).where(deliveries.c.campaign_id == campaign_id)
        return int(conn.execute(query).scalar_one())


def _send_all(ctx: Context, sink: SmtpSink) -> Engine:
    engine = engine_for(ctx, sink.url)
    engine.run_until_idle()
    return engine


# Starting from a story


def test_a_story_prefills_subject_headline_summary_and_link(ctx: Context) -> None:
    story_id = make_story(ctx, url="https://news.example.com/harbour")
    draft = alerts.draft_for_story(ctx, story_id)

    assert draft.headline == draft.subject == "Harbour fire forces evacuations"
    assert draft.summary.startswith("A fire at the container terminal has spread.")
    assert draft.url == "https://news.example.com/harbour"
    assert draft.story_id == story_id


def test_an_alert_sent_from_a_story_records_the_story(ctx: Context) -> None:
    confirmed_reader(ctx)
    story_id = make_story(ctx)
    fired = alerts.fire_alert(ctx, alerts.draft_for_story(ctx, story_id), actor=None)
    with ctx.db.transaction() as conn:
        campaign = campaign_store.get(conn, fired.campaign_id)
    assert campaign is not None and campaign.story_id == story_id


def test_a_missing_story_is_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound, match="no story 4242"):
        alerts.draft_for_story(ctx, 4242)


def test_a_withheld_or_embargoed_story_cannot_be_alerted(ctx: Context) -> None:
    editor = make_editor(ctx)
    withheld = alerts.draft_for_story(ctx, make_story(ctx, pubstatus=PubStatus.WITHHELD))
    embargoed = alerts.draft_for_story(
        ctx, make_story(ctx, embargoed_until=ctx.clock() + timedelta(hours=2))
    )
    with pytest.raises(InvalidAlert, match="withheld"):
        alert_review.review(ctx, withheld, actor=editor)
    with pytest.raises(InvalidAlert, match="embargo"):
        alert_review.review(ctx, embargoed, actor=editor)


# Preview


def test_preview_is_the_message_the_builder_makes(ctx: Context, smtp_sink: SmtpSink) -> None:
    editor = make_editor(ctx)
    shown = alert_preview.preview(ctx, DRAFT, to=editor.email)
    alert_preview.test_send(
        _with(ctx, smtp_url=smtp_sink.url), DRAFT, actor=editor
    )  # built by the same code, sent for real
    (sent,) = smtp_sink.messages_to(editor.email)

    assert shown.problem is None and shown.subject == DRAFT.headline
    assert shown.html == sent.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert shown.text == sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert DRAFT.summary in shown.text and 'href="https://news.example.com/bridge"' in shown.html


def test_preview_of_a_half_written_alert_shows_it_and_says_what_is_missing(ctx: Context) -> None:
    shown = alert_preview.preview(ctx, AlertDraft("Bridge closed", "", ""), to="e@news.example.com")
    assert "Bridge closed" in shown.html and "Bridge closed" in shown.text
    assert shown.problem == "An alert needs a sentence or two of summary."


def test_preview_of_text_far_over_the_limits_says_so_instead_of_failing(ctx: Context) -> None:
    draft = dataclasses.replace(DRAFT, summary="x" * 5000)
    shown = alert_preview.preview(ctx, draft, to="e@news.example.com")
    assert shown.html == "" and "under 600 characters" in (shown.problem or "")


def test_preview_refuses_a_line_break_in_the_subject(ctx: Context) -> None:
    draft = dataclasses.replace(DRAFT, subject="Bridge\r\nBcc: all@example.org")
    shown = alert_preview.preview(ctx, draft, to="e@news.example.com")
    assert shown.html == "" and "line break" in (shown.problem or "")


# Test send


def test_a_test_goes_to_the_seed_list_marked_test_and_never_to_the_ledger(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    confirmed_reader(ctx)
    editor = make_editor(ctx)
    seed = ("desk@news.example.com", "chief@news.example.com")
    result = alert_preview.test_send(
        _with(ctx, smtp_url=smtp_sink.url, staff_seed_list=seed), DRAFT, actor=editor
    )

    assert result.sent == list(seed) and result.failed == []
    assert sorted(r for m in smtp_sink.list_mail() for r in m.rcpt_tos) == sorted(seed)
    message = smtp_sink.messages_to(seed[0])[0]
    assert message["Subject"] == "[TEST] Bridge closed after crash"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert smtp_sink.messages_to(seed[1])[0]["Message-ID"] != message["Message-ID"]
    assert _count(ctx, deliveries) == 0 and _count(ctx, campaign_table) == 0
    assert _actions(ctx)[-1] == "alert.test_send"


def test_without_a_seed_list_the_test_goes_to_the_editor_alone(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    editor = make_editor(ctx)
    result = alert_preview.test_send(_with(ctx, smtp_url=smtp_sink.url), DRAFT, actor=editor)
    assert result.sent == [editor.email]
    assert [r for m in smtp_sink.list_mail() for r in m.rcpt_tos] == [editor.email]


def test_a_refusing_relay_is_reported_per_address(ctx: Context, smtp_sink: SmtpSink) -> None:
    smtp_sink.handler.rcpt_replies["gone@news.example.com"] = "550 5.1.1 no such user"
    result = alert_preview.test_send(
        _with(
            ctx,
            smtp_url=smtp_sink.url,
            staff_seed_list=("desk@news.example.com", "gone@news.example.com"),
        ),
        DRAFT,
        actor=make_editor(ctx),
    )
    assert result.sent == ["desk@news.example.com"]
    assert [address for address, _ in result.failed] == ["gone@news.example.com"]
    assert "550" in result.failed[0][1]


def test_a_viewer_cannot_send_a_test_and_a_bad_alert_is_not_tested(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    routed = _with(ctx, smtp_url=smtp_sink.url)
    with pytest.raises(PermissionDenied):
        alert_preview.test_send(routed, DRAFT, actor=make_editor(ctx, role=Role.VIEWER))
    with pytest.raises(UnsafeHeaderValue):
        bad = dataclasses.replace(DRAFT, subject="Hi\nBcc: x@example.org")
        alert_preview.test_send(routed, bad, actor=make_editor(ctx))
    assert smtp_sink.list_mail() == []


# Review and send


def test_the_review_counts_exactly_the_readers_the_send_queues(ctx: Context) -> None:
    for _ in range(4):
        confirmed_reader(ctx)
    suppressed = unique_email()
    confirmed_reader(ctx, email=suppressed)
    with ctx.db.transaction() as conn:
        suppressions.add(conn, digest(ctx, suppressed), reason="bounce", now=ctx.clock())
    subscriptions.sign_up(  # pending: never confirmed
        ctx, email=unique_email(), list_slugs=["breaking"], requester=web_requester()
    )
    confirmed_reader(ctx, lists=["morning-briefing"])
    editor = make_editor(ctx)

    reviewed = alert_review.review(ctx, DRAFT, actor=editor)
    fired = alert_review.send_reviewed(ctx, reviewed.token, actor=editor)

    assert reviewed.recipients == 4 == fired.recipients == _ledger(ctx, fired.campaign_id)


def test_send_counts_its_audience_only_after_the_transaction_that_starts_it(
    ctx: Context,
) -> None:
    # At a million readers on a cold cache the count takes most of a second; inside
    # the transaction that starts the alert (SQLite's write lock) it would hold up
    # the workers' first claim, and with it the first message, by as much.
    for _ in range(3):
        confirmed_reader(ctx)
    editor = make_editor(ctx)
    counts_read_only: list[bool] = []

    def note_counts(conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if "count(" in statement.lower() and "subscriptions" in statement:
            counts_read_only.append(bool(conn.get_execution_options().get(READ_ONLY)))

    event.listen(ctx.db.engine, "before_cursor_execute", note_counts)
    fired = alerts.fire_alert(ctx, DRAFT, actor=editor)
    event.remove(ctx.db.engine, "before_cursor_execute", note_counts)

    assert fired.recipients == 3 == _ledger(ctx, fired.campaign_id)
    assert counts_read_only and all(counts_read_only)


def test_a_count_that_fails_after_the_send_does_not_make_the_send_look_failed(
    ctx: Context,
) -> None:
    # The alert is committed before its readers are counted. Were that read to raise,
    # an operator would see an error and send the alert a second time.
    for _ in range(2):
        confirmed_reader(ctx)

    def drop_the_count(conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get(READ_ONLY) and "count(" in statement.lower():
            raise OperationalError(statement, None, Exception("server closed the connection"))

    event.listen(ctx.db.engine, "before_cursor_execute", drop_the_count)
    try:
        fired = alerts.fire_alert(ctx, DRAFT, actor=make_editor(ctx))
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", drop_the_count)

    assert fired.recipients is None
    assert _ledger(ctx, fired.campaign_id) == 2
    with ctx.db.transaction() as conn:
        campaign = campaign_store.get(conn, fired.campaign_id)
    assert campaign is not None and campaign.status is CampaignStatus.SENDING


def test_what_is_sent_is_what_was_reviewed(ctx: Context) -> None:
    editor = make_editor(ctx)
    reviewed = alert_review.review(ctx, DRAFT, actor=editor)
    fired = alert_review.send_reviewed(ctx, reviewed.token, actor=editor)
    with ctx.db.transaction() as conn:
        campaign = campaign_store.get(conn, fired.campaign_id)
    assert campaign is not None
    assert (campaign.subject, campaign.headline, campaign.summary, campaign.url) == (
        DRAFT.headline,
        DRAFT.headline,
        DRAFT.summary,
        DRAFT.url,
    )


def test_pressing_send_twice_sends_once(ctx: Context) -> None:
    for _ in range(2):
        confirmed_reader(ctx)
    editor = make_editor(ctx)
    token = alert_review.review(ctx, DRAFT, actor=editor).token
    first = alert_review.send_reviewed(ctx, token, actor=editor)
    again = alert_review.send_reviewed(ctx, token, actor=editor)

    assert again.campaign_id == first.campaign_id and again.recipients == 2
    assert _count(ctx, campaign_table) == 1 and _ledger(ctx, first.campaign_id) == 2
    assert _actions(ctx).count("alert.fire") == 1
    second_review = alert_review.review(ctx, DRAFT, actor=editor).token
    assert alert_review.send_reviewed(ctx, second_review, actor=editor).campaign_id != (
        first.campaign_id
    )  # a new review is a new alert


def test_a_proposal_sent_twice_is_proposed_once(ctx: Context) -> None:
    newsroom = _with(ctx, alert_approval=True)
    editor = make_editor(ctx)
    token = alert_review.review(newsroom, DRAFT, actor=editor).token
    first = alert_review.send_reviewed(newsroom, token, actor=editor)
    again = alert_review.send_reviewed(newsroom, token, actor=editor)
    assert again.campaign_id == first.campaign_id and again.awaiting_approval
    assert _count(ctx, campaign_table) == 1


def test_a_tampered_expired_or_borrowed_review_sends_nothing(ctx: Context) -> None:
    editor, other = make_editor(ctx), make_editor(ctx)
    token = alert_review.review(ctx, DRAFT, actor=editor).token

    with pytest.raises(TokenInvalid):
        alert_review.send_reviewed(ctx, token[:-4] + "AAAA", actor=editor)
    with pytest.raises(TokenInvalid, match="someone else"):
        alert_review.send_reviewed(ctx, token, actor=other)
    ctx.clock.advance(minutes=31)  # type: ignore[attr-defined]
    with pytest.raises(TokenExpired):
        alert_review.send_reviewed(ctx, token, actor=editor)
    assert _count(ctx, campaign_table) == 0


def test_a_viewer_can_neither_review_nor_send(ctx: Context) -> None:
    viewer = make_editor(ctx, role=Role.VIEWER)
    token = alert_review.review(ctx, DRAFT, actor=make_editor(ctx)).token
    with pytest.raises(PermissionDenied):
        alert_review.review(ctx, DRAFT, actor=viewer)
    with pytest.raises(PermissionDenied):
        alert_review.send_reviewed(ctx, token, actor=viewer)


def test_a_subject_with_a_line_break_is_refused(ctx: Context) -> None:
    for breaking in ("\r\n", "\n", "\r", "\u2028"):
        draft = dataclasses.replace(DRAFT, subject=f"Bridge{breaking}Bcc: all@example.org")
        with pytest.raises(UnsafeHeaderValue, match="subject contains a line break"):
            alert_review.review(ctx, draft, actor=make_editor(ctx))
    assert _count(ctx, campaign_table) == 0


# Second-editor approval


def test_with_approval_on_send_waits_for_a_second_editor(ctx: Context, smtp_sink: SmtpSink) -> None:
    newsroom = _with(ctx, alert_approval=True)
    reader = unique_email()
    confirmed_reader(ctx, email=reader)
    proposer, approver = make_editor(ctx), make_editor(ctx)

    reviewed = alert_review.review(newsroom, DRAFT, actor=proposer)
    held = alert_review.send_reviewed(newsroom, reviewed.token, actor=proposer)
    assert reviewed.needs_approval and held.awaiting_approval
    assert _ledger(ctx, held.campaign_id) == 0
    _send_all(ctx, smtp_sink)
    assert smtp_sink.list_mail() == []

    with pytest.raises(PermissionDenied, match="different editor"):
        alert_review.approve(newsroom, held.campaign_id, actor=proposer)
    with pytest.raises(PermissionDenied):
        alert_review.approve(newsroom, held.campaign_id, actor=make_editor(ctx, role=Role.VIEWER))
    approved = alert_review.approve(newsroom, held.campaign_id, actor=approver)
    assert approved.recipients == 1
    _send_all(ctx, smtp_sink)

    assert [r for m in smtp_sink.list_mail() for r in m.rcpt_tos] == [reader]
    with ctx.db.transaction() as conn:
        campaign = campaign_store.get(conn, held.campaign_id)
    assert campaign is not None and campaign.approved_by == approver.id
    assert campaign.status is CampaignStatus.SENT
    assert [a for a in _actions(ctx) if a.startswith("alert.")] == [
        "alert.propose",
        "alert.approve",
    ]
    with pytest.raises(InvalidInput, match="no longer waiting"):
        alert_review.approve(newsroom, held.campaign_id, actor=make_editor(ctx))


def test_an_alert_awaiting_approval_can_be_cancelled_and_then_not_approved(ctx: Context) -> None:
    newsroom = _with(ctx, alert_approval=True)
    proposer = make_editor(ctx)
    token = alert_review.review(newsroom, DRAFT, actor=proposer).token
    held = alert_review.send_reviewed(newsroom, token, actor=proposer)

    campaigns.cancel(ctx, held.campaign_id, actor=proposer)
    with pytest.raises(InvalidInput):
        alert_review.approve(newsroom, held.campaign_id, actor=make_editor(ctx))
    assert _ledger(ctx, held.campaign_id) == 0


# Updates ("Send update")


def _message_id(message: EmailMessage) -> str:
    return str(message["Message-ID"])


def test_an_update_is_threaded_to_each_readers_copy_of_the_alert(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    readers = [unique_email() for _ in range(3)]
    for reader in readers:
        confirmed_reader(ctx, email=reader)
    editor = make_editor(ctx)
    first = alert_review.send_reviewed(
        ctx, alert_review.review(ctx, DRAFT, actor=editor).token, actor=editor
    )
    _send_all(ctx, smtp_sink)

    update = alerts.draft_for_update(ctx, first.campaign_id)
    assert update.subject == "Update: Bridge closed after crash"
    assert update.parent_id == first.campaign_id
    update = dataclasses.replace(update, summary="The bridge has reopened to traffic.")
    second = alert_review.send_reviewed(
        ctx, alert_review.review(ctx, update, actor=editor).token, actor=editor
    )
    _send_all(ctx, smtp_sink)

    for reader in readers:
        original, follow_up = [m for m in smtp_sink.messages_to(reader) if "Bridge" in m["Subject"]]
        assert follow_up["Subject"] == "Update: Bridge closed after crash"
        assert follow_up["In-Reply-To"] == _message_id(original)
        assert follow_up["References"] == _message_id(original)
    with ctx.db.transaction() as conn:
        assert [c.id for c in campaign_store.children(conn, first.campaign_id)] == [
            second.campaign_id
        ]


def test_an_update_to_an_update_keeps_the_subject_prefix_single(ctx: Context) -> None:
    confirmed_reader(ctx)
    first = alerts.fire_alert(ctx, DRAFT, actor=None)
    second = alerts.fire_alert(ctx, alerts.draft_for_update(ctx, first.campaign_id), actor=None)
    third = alerts.draft_for_update(ctx, second.campaign_id)
    assert third.subject == "Update: Bridge closed after crash"
    assert third.parent_id == second.campaign_id


def test_only_an_alert_that_went_out_can_be_updated(ctx: Context) -> None:
    newsroom = _with(ctx, alert_approval=True)
    proposer = make_editor(ctx)
    held = alert_review.send_reviewed(
        newsroom, alert_review.review(newsroom, DRAFT, actor=proposer).token, actor=proposer
    )
    with pytest.raises(InvalidAlert, match="has been sent"):
        alerts.draft_for_update(ctx, held.campaign_id)
    with pytest.raises(NotFound):
        alerts.draft_for_update(ctx, 999)
    bogus = dataclasses.replace(DRAFT, parent_id=held.campaign_id)
    with pytest.raises(InvalidAlert):
        alert_review.review(ctx, bogus, actor=proposer)
