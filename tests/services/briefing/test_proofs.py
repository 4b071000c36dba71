"""Briefing test sends: the segment's real message, marked [TEST], to editors only, no ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Role
from bulletin.services.briefing import editions as briefing
from bulletin.services.briefing import proofs as briefing_test
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store.tables import deliveries
from tests.support.briefing import add_story, briefing_reader
from tests.support.engines import engine_for
from tests.support.factories import FakeClock, make_editor
from tests.support.smtp_sink import SmtpSink

TUESDAY = date(2026, 11, 24)
MONDAY_EVENING = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
STAFF = "seed@news.example.com"


@pytest.fixture
def relayed(ctx: Context, clock: FakeClock, smtp_sink: SmtpSink) -> Context:
    clock.now = MONDAY_EVENING
    ctx.settings = ctx.settings.replace(smtp_url=smtp_sink.url, staff_seed_list=(STAFF,))
    return ctx


def _ledger_rows(ctx: Context) -> int:
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(deliveries)).scalar_one())


def _body(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(("plain",)).get_content()


def test_the_test_copy_reaches_the_named_address_only_and_is_audited(
    relayed: Context, smtp_sink: SmtpSink
) -> None:
    add_story(relayed, urgency=2, headline="Parliament dissolved")
    add_story(relayed, urgency=5, headline="Rates held", section="Business")
    briefing_reader(relayed, zone="Europe/London", email="reader@example.org")
    editor = make_editor(relayed)
    briefing.assemble(relayed, TUESDAY, actor=editor)

    (result,) = briefing_test.test_send(
        relayed, TUESDAY, segment=0, recipients=[editor.email], actor=editor
    )

    assert result.sent and result.reply.startswith("250")
    (received,) = smtp_sink.received
    assert received.rcpt_tos == [editor.email]
    message = received.message
    assert message["To"] == editor.email
    subject = str(message["Subject"]).strip()  # a long subject is folded after "Subject:"
    assert subject.startswith("[TEST] Morning Briefing, Tue ")
    assert subject.endswith("Parliament dissolved")
    body = _body(message)
    assert "1. Parliament dissolved" in body and "2. Rates held" in body
    assert smtp_sink.list_mail_to("reader@example.org") == []
    assert _ledger_rows(relayed) == 0
    with relayed.db.transaction() as conn:
        entry = audit.recent(conn)[0]
    assert (entry["action"], entry["actor"]) == ("briefing.test_send", editor.email)
    assert entry["target_id"] == TUESDAY.isoformat()


def test_the_test_copy_equals_the_readers_copy_but_for_subject_and_addressee(
    relayed: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    add_story(relayed, urgency=2, headline="Parliament dissolved")
    briefing_reader(relayed, zone="Europe/London", email="reader@example.org")
    briefing.approve(relayed, TUESDAY, actor=None, write_now=True)
    assert _ledger_rows(relayed) == 1

    briefing_test.test_send(relayed, TUESDAY, segment=0, recipients=[STAFF], actor=None)
    (test_copy,) = smtp_sink.list_mail_to(STAFF)
    clock.now = datetime(2026, 11, 24, 6, 5, tzinfo=UTC)
    engine_for(relayed, smtp_sink.url).run_until_idle()
    (real,) = smtp_sink.list_mail_to("reader@example.org")

    assert str(test_copy["Subject"]).strip() == "[TEST] " + str(real["Subject"]).strip()
    assert test_copy["List-Id"] == real["List-Id"]
    assert test_copy["From"] == real["From"]
    # The bodies differ only in the per-reader links (unsubscribe, preferences).
    strip = [line for line in _body(real).splitlines() if "/unsubscribe/" not in line]
    test_lines = _body(test_copy).splitlines()
    assert [line for line in strip if "/preferences/" not in line] == [
        line for line in test_lines if "/unsubscribe/" not in line and "/preferences/" not in line
    ]
    assert _ledger_rows(relayed) == 1


def test_held_and_approved_editions_can_be_tested(relayed: Context, smtp_sink: SmtpSink) -> None:
    add_story(relayed, urgency=2, headline="Parliament dissolved")
    briefing.hold(relayed, TUESDAY, actor=None)
    briefing_test.test_send(relayed, TUESDAY, segment=0, recipients=[STAFF], actor=None)
    briefing.approve(relayed, TUESDAY, actor=None)
    briefing_test.test_send(relayed, TUESDAY, segment=0, recipients=[STAFF], actor=None)
    assert len(smtp_sink.list_mail_to(STAFF)) == 2


def test_desk_tests_go_to_the_editor_or_the_staff_list_only(
    relayed: Context, smtp_sink: SmtpSink
) -> None:
    add_story(relayed, urgency=2)
    editor = make_editor(relayed)
    briefing.assemble(relayed, TUESDAY, actor=editor)

    with pytest.raises(PermissionDenied, match=r"outsider@example\.org"):
        briefing_test.test_send(
            relayed, TUESDAY, segment=0, recipients=["outsider@example.org"], actor=editor
        )
    with pytest.raises(PermissionDenied, match="not send tests"):
        briefing_test.test_send(
            relayed, TUESDAY, segment=0, recipients=[STAFF], actor=make_editor(relayed, Role.VIEWER)
        )
    assert smtp_sink.received == []

    results = briefing_test.test_send(
        relayed, TUESDAY, segment=0, recipients=[editor.email, STAFF], actor=editor
    )
    assert [(r.recipient, r.sent) for r in results] == [(editor.email, True), (STAFF, True)]


def test_a_refused_address_is_reported_not_raised(relayed: Context, smtp_sink: SmtpSink) -> None:
    smtp_sink.handler.rcpt_replies["gone@news.example.com"] = "550 5.1.1 No such user"
    add_story(relayed, urgency=2)
    briefing.assemble(relayed, TUESDAY, actor=None)
    results = briefing_test.test_send(
        relayed, TUESDAY, segment=0, recipients=["gone@news.example.com", STAFF], actor=None
    )
    assert [(r.sent, r.reply[:3]) for r in results] == [(False, "550"), (True, "250")]


def test_a_skipped_edition_or_a_date_without_one_is_refused_clearly(
    relayed: Context, smtp_sink: SmtpSink
) -> None:
    with pytest.raises(NotFound, match="no briefing for 2026-11-24"):
        briefing_test.test_send(relayed, TUESDAY, segment=0, recipients=[STAFF], actor=None)
    briefing.assemble(relayed, TUESDAY, actor=None)  # no stories: skipped
    with pytest.raises(InvalidInput, match="skipped, so there is nothing to test"):
        briefing_test.test_send(relayed, TUESDAY, segment=0, recipients=[STAFF], actor=None)
    assert smtp_sink.received == []
