"""Preview and test sends: the editor checks what readers get, and only the editor gets it."""

from __future__ import annotations

import pytest

from bulletin.domain.errors import InvalidInput, PermissionDenied
from bulletin.domain.reports import ReportContent, Section
from bulletin.services.context import Context
from bulletin.services.special_reports import preview as special_preview
from bulletin.services.special_reports import scheduling as special_reports
from bulletin.store import audit
from tests.support.engines import engine_for
from tests.support.factories import confirmed_reader, make_editor, unique_email
from tests.support.smtp_sink import SmtpSink

CONTENT = ReportContent(
    headline="Inside the count",
    dek="How a city counted its votes.",
    sections=(Section("Night shift", "<p>Ballots arrived at 9.</p>"),),
)


@pytest.fixture
def relayed(ctx: Context, smtp_sink: SmtpSink) -> Context:
    ctx.settings = ctx.settings.replace(smtp_url=smtp_sink.url)
    return ctx


def test_test_send_reaches_the_named_address_only(relayed: Context, smtp_sink: SmtpSink) -> None:
    reader = unique_email()
    confirmed_reader(relayed, lists=["special-reports"], email=reader)
    report = special_reports.create(relayed, CONTENT, actor=None)

    (result,) = special_preview.test_send(relayed, report.id, ["desk@news.example.com"], actor=None)
    engine_for(relayed, smtp_sink.url).run_until_idle()

    assert result.sent and result.reply.startswith("250")
    (received,) = smtp_sink.list_mail()
    assert received.rcpt_tos == ["desk@news.example.com"]
    message = received.message
    assert message["Subject"] == "[TEST] Inside the count"
    assert message["List-Id"] == '"Special Reports" <special-reports.news.example.com>'
    assert "Ballots arrived at 9." in message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert smtp_sink.list_mail_to(reader) == []


def test_desk_test_sends_go_to_the_editor_or_staff_addresses_only(
    relayed: Context, smtp_sink: SmtpSink
) -> None:
    relayed.settings = relayed.settings.replace(staff_seed_list=("seed@news.example.com",))
    editor = make_editor(relayed)
    report = special_reports.create(relayed, CONTENT, actor=editor)

    with pytest.raises(PermissionDenied, match=r"outsider@example\.org"):
        special_preview.test_send(relayed, report.id, ["outsider@example.org"], actor=editor)
    assert smtp_sink.received == []

    results = special_preview.test_send(
        relayed, report.id, [editor.email, "seed@news.example.com"], actor=editor
    )
    assert [r.sent for r in results] == [True, True]
    assert sorted(r for m in smtp_sink.received for r in m.rcpt_tos) == sorted(
        [editor.email, "seed@news.example.com"]
    )
    with relayed.db.transaction() as conn:
        entry = audit.recent(conn)[0]
    assert (entry["action"], entry["actor"]) == ("special.test_send", editor.email)


def test_a_refused_test_address_is_reported_not_raised(
    relayed: Context, smtp_sink: SmtpSink
) -> None:
    smtp_sink.handler.rcpt_replies["gone@news.example.com"] = "550 5.1.1 No such user"
    report = special_reports.create(relayed, CONTENT, actor=None)
    (result,) = special_preview.test_send(relayed, report.id, ["gone@news.example.com"], actor=None)
    assert (result.sent, result.reply) == (False, "550 5.1.1 No such user")


def test_a_test_needs_a_valid_address(relayed: Context) -> None:
    report = special_reports.create(relayed, CONTENT, actor=None)
    with pytest.raises(InvalidInput):
        special_preview.test_send(relayed, report.id, ["not an address"], actor=None)
    with pytest.raises(InvalidInput, match="at least one"):
        special_preview.test_send(relayed, report.id, [" "], actor=None)


def test_preview_shows_the_headers_and_both_bodies(ctx: Context) -> None:
    report = special_reports.create(ctx, CONTENT, actor=None)
    shown = special_preview.preview(ctx, report.id)
    headers = dict(shown.headers)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["Subject"] == "Inside the count"
    assert "NIGHT SHIFT" in shown.text and "Ballots arrived at 9." in shown.text
    assert "<h2" in shown.html and "style=" in shown.html
    # Inlined, but for the one block media queries need, which is kept.
    assert shown.html.count("<style") == 1 and '<style data-css-inline="keep">' in shown.html
