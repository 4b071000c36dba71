"""Returned mail for a real send: attributed to campaign and reader, suppressing the bad ones.

An alert goes out through the real engine to a loopback SMTP sink; the bounces and
complaints are written about the messages the sink received (their signed envelope
sender and Message-ID), so attribution is tested against what Bulletin really sends.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from bulletin.cli import app
from bulletin.domain.models import AlertDraft, SubscriptionStatus
from bulletin.mail.returns import ReturnClass
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.readers import bounces, subscriptions
from bulletin.store.readers import events, suppressions
from bulletin.store.readers import subscribers as subscriber_store
from bulletin.store.tables import deliveries
from bulletin.store.tables import events as events_table
from tests.support.engines import engine_for
from tests.support.factories import confirmed_reader, digest, find_reader, web_requester
from tests.support.returns import returned_mail, verp_pair
from tests.support.smtp_sink import Received, SmtpSink
from tests.support.web import unsubscribe_url

ALERT = AlertDraft("Storm makes landfall", "Evacuations continue.", "https://news.example.com/s")
DOMAIN = "news.example.com"
HARD = "postfix_550_5_1_1_user_unknown.eml"


def _sent_alert(ctx: Context, sink: SmtpSink, readers: int) -> tuple[int, list[Received]]:
    for n in range(readers):
        confirmed_reader(ctx, email=f"reader{n}@readers.example.org")
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    engine_for(ctx, sink.url).run_until_idle()
    sent = sink.list_mail()
    assert len(sent) == readers
    return fired.campaign_id, sent


def _about(message: Received, name: str) -> bytes:
    """The fixture about this very message: VERP from its envelope, ids from its header."""
    campaign, subscriber = verp_pair(message.mail_from)  # bounces+cC.sS.kTAG@…
    tag = message.mail_from.split(".k")[-1].split("@")[0]
    salt, _, signed = str(message.message["Message-ID"]).removeprefix("<").partition(".")
    assert signed == f"bulletin.c{campaign}.s{subscriber}.k{tag}@{DOMAIN}>"
    return returned_mail(
        name, campaign=campaign, subscriber=subscriber, email=message.rcpt_tos[0], salt=salt
    )


def test_hard_bounces_and_complaints_suppress_and_count_against_the_campaign(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    campaign_id, sent = _sent_alert(ctx, smtp_sink, readers=4)
    mail = [
        ("hard", _about(sent[0], "postfix_550_5_1_1_user_unknown.eml")),
        ("soft", _about(sent[1], "dsn_delayed_4_2_2_mailbox_full.eml")),
        ("complaint", _about(sent[2], "arf_abuse_complaint.eml")),
        ("away", _about(sent[3], "rfc3834_out_of_office.eml")),
    ]
    summary = bounces.process(ctx, mail)
    assert [(o.kind, o.action) for o in summary.outcomes] == [
        (ReturnClass.ADDRESS, "recorded"),
        (ReturnClass.MAILBOX, "recorded"),
        (ReturnClass.COMPLAINT, "recorded"),
        (ReturnClass.AUTO_REPLY, "ignored"),
    ]
    assert all(o.campaign_id == campaign_id for o in summary.outcomes)
    with ctx.db.transaction() as conn:
        counts = events.counts(conn, campaign_id)
        suppressed = [suppressions.is_suppressed(conn, digest(ctx, m.rcpt_tos[0])) for m in sent]
    assert counts == {
        events.EventKind.BOUNCE: 1,
        events.EventKind.SOFT_BOUNCE: 1,
        events.EventKind.COMPLAINT: 1,
        events.EventKind.UNSUBSCRIBE: 0,
        events.EventKind.SENDER: 0,
        events.EventKind.REPORT: 0,
    }
    assert suppressed == [True, False, True, False]
    # the next alert leaves the suppressed addresses out
    second = alerts.fire_alert(ctx, ALERT, actor=None)
    with ctx.db.transaction() as conn:
        queued = conn.execute(
            select(func.count()).where(deliveries.c.campaign_id == second.campaign_id)
        ).scalar_one()
    assert queued == 2


def test_processing_the_same_mail_twice_counts_it_once(ctx: Context, smtp_sink: SmtpSink) -> None:
    campaign_id, sent = _sent_alert(ctx, smtp_sink, readers=1)
    mail = [("hard", _about(sent[0], "postfix_550_5_1_1_user_unknown.eml"))]
    bounces.process(ctx, mail)
    again = bounces.process(ctx, mail)
    assert [o.action for o in again.outcomes] == ["duplicate"]
    with ctx.db.transaction() as conn:
        assert events.counts(conn, campaign_id)[events.EventKind.BOUNCE] == 1


def test_a_bounce_naming_a_campaign_the_reader_never_got_is_not_attributed(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    campaign_id, sent = _sent_alert(ctx, smtp_sink, readers=1)
    # signed by us, but for a campaign and reader the ledger never sent
    stale = returned_mail(
        HARD, campaign=campaign_id + 50, subscriber=999, email=sent[0].rcpt_tos[0]
    )
    [outcome] = bounces.process(ctx, [("stale", stale)]).outcomes
    assert (outcome.kind, outcome.action, outcome.campaign_id) == (
        ReturnClass.ADDRESS,
        "unmatched",
        None,
    )
    with ctx.db.transaction() as conn:
        assert not suppressions.is_suppressed(conn, digest(ctx, sent[0].rcpt_tos[0]))


def test_a_forged_bounce_naming_a_reader_suppresses_no_one(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    campaign_id, sent = _sent_alert(ctx, smtp_sink, readers=1)
    reader = sent[0].rcpt_tos[0]
    real = _about(sent[0], HARD)
    tag = sent[0].mail_from.split(".k")[-1].split("@")[0]
    forgeries = [
        ("unsigned", real.replace(f".k{tag}@".encode(), b"@")),  # the old, guessable form
        ("wrong tag", real.replace(tag.encode(), b"0123456789")),
        ("no tag at all", returned_mail(HARD, campaign=1, subscriber=1, email=reader, tag="")),
    ]

    outcomes = bounces.process(ctx, forgeries).outcomes

    assert [(o.kind, o.action, o.email) for o in outcomes] == [
        (ReturnClass.ADDRESS, "unmatched", reader)
    ] * 3
    with ctx.db.transaction() as conn:
        assert not suppressions.is_suppressed(conn, digest(ctx, reader))
        assert sum(events.counts(conn, campaign_id).values()) == 0


def test_a_sender_side_rejection_is_recorded_and_leaves_the_reader_subscribed(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    campaign_id, sent = _sent_alert(ctx, smtp_sink, readers=2)
    mail = [
        ("5.7.26", _about(sent[0], "gmail_550_5_7_26_unauthenticated.eml")),
        ("TSS04", _about(sent[1], "yahoo_421_4_7_0_tss04_deferred.eml")),
    ]

    outcomes = bounces.process(ctx, mail).outcomes

    assert [(o.kind, o.action) for o in outcomes] == [(ReturnClass.SENDER, "recorded")] * 2
    with ctx.db.transaction() as conn:
        assert events.counts(conn, campaign_id)[events.EventKind.SENDER] == 2
        assert not any(suppressions.is_suppressed(conn, digest(ctx, m.rcpt_tos[0])) for m in sent)
    second = alerts.fire_alert(ctx, ALERT, actor=None)
    with ctx.db.transaction() as conn:
        queued = conn.execute(
            select(func.count()).where(deliveries.c.campaign_id == second.campaign_id)
        ).scalar_one()
    assert queued == 2


def test_reports_that_touch_no_one_are_recorded_and_suppress_no_one(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    campaign_id, sent = _sent_alert(ctx, smtp_sink, readers=2)
    mail = [
        ("not-spam", _about(sent[0], "arf_not_spam_report.eml")),
        ("auth-failure", _about(sent[1], "rfc6591_auth_failure_dkim.eml")),
    ]

    outcomes = bounces.process(ctx, mail).outcomes

    assert [(o.kind, o.action) for o in outcomes] == [(ReturnClass.REPORT, "recorded")] * 2
    with ctx.db.transaction() as conn:
        assert events.counts(conn, campaign_id)[events.EventKind.REPORT] == 2
        assert not any(suppressions.is_suppressed(conn, digest(ctx, m.rcpt_tos[0])) for m in sent)


def test_an_opt_out_report_unsubscribes_from_that_list_without_suppressing(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    campaign_id, sent = _sent_alert(ctx, smtp_sink, readers=1)

    [outcome] = bounces.process(ctx, [("opt-out", _about(sent[0], "arf_opt_out.eml"))]).outcomes

    assert (outcome.kind, outcome.action, outcome.suppress) == (
        ReturnClass.OPT_OUT,
        "recorded",
        True,
    )
    reader = find_reader(ctx, sent[0].rcpt_tos[0])
    assert reader is not None
    with ctx.db.transaction() as conn:
        assert not suppressions.is_suppressed(conn, digest(ctx, sent[0].rcpt_tos[0]))
        assert events.counts(conn, campaign_id)[events.EventKind.UNSUBSCRIBE] == 1
        statuses = subscriber_store.statuses(conn, reader.id)
    assert set(statuses.values()) == {SubscriptionStatus.UNSUBSCRIBED}


def test_an_unsubscribe_from_the_email_link_counts_against_its_campaign(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    campaign_id, sent = _sent_alert(ctx, smtp_sink, readers=2)
    token = unsubscribe_url(sent[0].message).rsplit("/", 1)[1]
    subscriptions.unsubscribe(ctx, token, requester=web_requester())
    subscriptions.unsubscribe(ctx, token, requester=web_requester())  # twice: counted once
    with ctx.db.transaction() as conn:
        assert events.counts(conn, campaign_id)[events.EventKind.UNSUBSCRIBE] == 1


def test_an_old_unsubscribe_link_without_a_campaign_still_works(ctx: Context) -> None:
    reader = confirmed_reader(ctx)
    token = ctx.tokens.unsubscribe(reader, 1)  # "subscriber.list", as links were made before
    target = subscriptions.unsubscribe(ctx, token, requester=web_requester())
    assert not target.subscribed
    with ctx.db.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(events_table)).scalar_one() == 0


def test_the_command_reads_an_mbox_and_prints_json(
    ctx: Context, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    campaign_id, sent = _sent_alert(ctx, smtp_sink, readers=2)
    mbox = tmp_path / "bounces.mbox"
    mbox.write_bytes(
        b"From MAILER-DAEMON Wed Nov 25 12:01:09 2026\n"
        + _about(sent[0], HARD).replace(b"\r\n", b"\n")
        + b"\nFrom fbl@feedback.mailbox.example Wed Nov 25 13:14:00 2026\n"
        + _about(sent[1], "arf_abuse_complaint.eml").replace(b"\r\n", b"\n")
    )
    done = CliRunner().invoke(
        app, ["bounces", "process", str(mbox), "--json"], env=_env(ctx, tmp_path)
    )
    assert done.exit_code == 0, done.output
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(x["class"], x["kind"], x["action"], x["campaign_id"]) for x in lines[:2]] == [
        ("address", "bounce", "recorded", campaign_id),
        ("complaint", "complaint", "recorded", campaign_id),
    ]
    assert lines[2] == {"summary": {"recorded": 2, "duplicate": 0, "unmatched": 0, "ignored": 0}}


def test_the_command_fails_clearly_on_a_missing_path(ctx: Context, tmp_path: Path) -> None:
    done = CliRunner().invoke(
        app, ["bounces", "process", "/no/such/mailbox"], env=_env(ctx, tmp_path)
    )
    assert done.exit_code == 1 and "/no/such/mailbox: cannot be read" in done.output


def _env(ctx: Context, tmp_path: Path) -> dict[str, str]:
    return {
        "BULLETIN_DATABASE_URL": ctx.settings.database_url,
        "BULLETIN_SECRET_KEY": ctx.settings.secret_key,
        "BULLETIN_SUPPRESSION_KEY": ctx.settings.suppression_key,
        "BULLETIN_SENDER": ctx.settings.sender,
        "BULLETIN_DATA_DIR": str(tmp_path / "data"),
    }
