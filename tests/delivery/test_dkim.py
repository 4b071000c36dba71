"""Every kind of message Bulletin sends is DKIM-signed, through the real engine and relay.

A real SQLite database, the real engine and test sends, a real SMTP server on
loopback; the bytes it received are checked by dkimpy against the test's records,
both signatures (rsa-sha256 and ed25519-sha256).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bulletin.domain.models import AlertDraft
from bulletin.domain.reports import ReportContent, Section
from bulletin.services.alerts import preview as alert_preview
from bulletin.services.alerts import sending as alerts
from bulletin.services.briefing import editions as briefing
from bulletin.services.briefing import proofs as briefing_test
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.services.special_reports import preview as special_preview
from bulletin.services.special_reports import scheduling as reports
from tests.support.briefing import add_story, briefing_reader
from tests.support.dkim import BOTH, KeyFiles, key_files, verified
from tests.support.engines import engine_for
from tests.support.factories import (
    FakeClock,
    confirmed_reader,
    make_editor,
    unique_email,
    web_requester,
)
from tests.support.smtp_sink import SmtpSink

TUESDAY = date(2026, 11, 24)
MONDAY_EVENING = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
STAFF = "seed@news.example.com"
DRAFT = AlertDraft(
    headline="Zürich: the bridge is closed after a crash",
    summary="Police say the crossing will stay shut tonight — «expect delays».",
    url="https://news.example.com/2026/11/23/bridge-closed",
)
REPORT = ReportContent(
    headline="The river that came back",
    subject="Special report: the river that came back",
    dek="A year after the flood, a town rebuilds.",
    sections=(Section("The night", "<p>The water rose at midnight — café flooded.</p>"),),
    cta_url="https://news.example.com/river",
)


@pytest.fixture
def keys(tmp_path: Path) -> KeyFiles:
    return key_files(tmp_path / "dkim")


@pytest.fixture
def signing(ctx: Context, keys: KeyFiles, smtp_sink: SmtpSink, clock: FakeClock) -> Context:
    """The test context signing with both keys and sending through the loopback relay."""
    clock.now = MONDAY_EVENING
    ctx.settings = keys.settings(ctx.settings).replace(
        smtp_url=smtp_sink.url, staff_seed_list=(STAFF,)
    )
    return ctx


def _all_verify(sink: SmtpSink, keys: KeyFiles, recipients: list[str]) -> None:
    for recipient in recipients:
        found = [r for r in sink.received if recipient in r.rcpt_tos]
        assert found, f"nothing reached {recipient}"
        for received in found:
            assert received.data.isascii()  # 7-bit: no relay needs to re-encode it
            assert verified(received.data, keys.records()) == BOTH


def test_alerts_and_their_follow_ups_verify_for_every_reader(
    signing: Context, keys: KeyFiles, smtp_sink: SmtpSink
) -> None:
    readers = [unique_email() for _ in range(4)]
    for email in readers:
        confirmed_reader(signing, email=email)
    engine = engine_for(signing, smtp_sink.url)
    first = alerts.fire_alert(signing, DRAFT, actor=None)
    engine.run_until_idle()
    update = dataclasses.replace(
        alerts.draft_for_update(signing, first.campaign_id), summary="It has reopened."
    )
    alerts.fire_alert(signing, update, actor=None)
    engine.run_until_idle()

    assert len(smtp_sink.received) == 2 * len(readers) + len(readers)  # + confirmations
    follow_ups = [r for r in smtp_sink.received if r.message["In-Reply-To"]]
    assert len(follow_ups) == len(readers)
    _all_verify(smtp_sink, keys, readers)


def test_confirmation_requests_verify(
    signing: Context, keys: KeyFiles, smtp_sink: SmtpSink
) -> None:
    email = unique_email()
    subscriptions.sign_up(signing, email=email, list_slugs=["breaking"], requester=web_requester())
    engine_for(signing, smtp_sink.url).run_until_idle()

    (received,) = smtp_sink.received
    assert received.message["Subject"].startswith("Confirm your subscription")
    _all_verify(smtp_sink, keys, [email])


def test_special_reports_verify(
    signing: Context, keys: KeyFiles, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    readers = [unique_email() for _ in range(3)]
    for email in readers:
        confirmed_reader(signing, lists=["special-reports"], email=email)
    reports.create(signing, REPORT, actor=None, at="2026-11-24 07:00")
    clock.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    engine = engine_for(signing, smtp_sink.url)
    engine.run_until_idle()
    engine.run_until_idle()

    got = [m for m in smtp_sink.received if m.message["Subject"] == REPORT.subject]
    assert sorted(r for m in got for r in m.rcpt_tos) == sorted(readers)
    _all_verify(smtp_sink, keys, readers)


def test_briefings_verify_for_each_segment(
    signing: Context, keys: KeyFiles, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    add_story(signing, headline="Parliament dissolved — élection", urgency=2)
    add_story(signing, headline="Ice shelf shrinks", section="Science", topics=("science",))
    readers = {
        "london": briefing_reader(signing, zone="Europe/London", email="london@example.org"),
        "science": briefing_reader(
            signing, zone="Europe/London", topics=["science"], email="science@example.org"
        ),
    }
    briefing.approve(signing, TUESDAY, actor=None, write_now=True)
    clock.now = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
    engine_for(signing, smtp_sink.url).run_until_idle()

    got = [
        m
        for m in smtp_sink.received
        if "Subject" in m.message and "Confirm" not in m.message["Subject"]
    ]
    assert len(got) == len(readers)
    _all_verify(smtp_sink, keys, ["london@example.org", "science@example.org"])


def test_test_sends_of_every_kind_verify(
    signing: Context, keys: KeyFiles, smtp_sink: SmtpSink
) -> None:
    editor = make_editor(signing)
    alert_sent = alert_preview.test_send(signing, DRAFT, actor=editor)
    report = reports.create(signing, REPORT, actor=None)
    (special_sent,) = special_preview.test_send(signing, report.id, [STAFF], actor=None)
    add_story(signing, headline="Parliament dissolved", urgency=2)
    briefing.assemble(signing, TUESDAY, actor=editor)
    (briefing_sent,) = briefing_test.test_send(
        signing, TUESDAY, segment=0, recipients=[STAFF], actor=None
    )

    assert alert_sent.sent == [STAFF] and special_sent.sent and briefing_sent.sent
    subjects = sorted(r.message["Subject"].strip() for r in smtp_sink.received)
    assert len(subjects) == 3 and all(s.startswith("[TEST] ") for s in subjects)
    _all_verify(smtp_sink, keys, [STAFF])


def test_without_dkim_settings_nothing_is_signed(ctx: Context, smtp_sink: SmtpSink) -> None:
    email = unique_email()
    confirmed_reader(ctx, email=email)
    alerts.fire_alert(ctx, DRAFT, actor=None)
    engine_for(ctx, smtp_sink.url).run_until_idle()

    (received,) = [r for r in smtp_sink.received if "Zürich" in r.message["Subject"]]
    assert b"DKIM-Signature" not in received.data
    assert b"Content-Transfer-Encoding: 8bit" in received.data  # as it always was


def test_signing_only_rsa_gives_one_signature(
    ctx: Context, keys: KeyFiles, smtp_sink: SmtpSink
) -> None:
    ctx.settings = keys.settings(ctx.settings, ed25519=False)
    email = unique_email()
    confirmed_reader(ctx, email=email)
    alerts.fire_alert(ctx, DRAFT, actor=None)
    engine_for(ctx, smtp_sink.url).run_until_idle()

    assert len(smtp_sink.received) == 2  # the confirmation and the alert
    for received in smtp_sink.received:
        assert verified(received.data, keys.records()) == {"rsa-sha256": True}
