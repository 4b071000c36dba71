"""A reader's data rights through the real stack: a copy of their data, and erasure.

The reader signs up and confirms, an alert is really sent to them (engine, loopback
SMTP sink), their hard bounce comes back and suppresses them, and a second alert is
queued; then they ask for their data, and to be erased.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bulletin.domain.errors import NotFound
from bulletin.domain.models import AlertDraft, CampaignStatus, DeliveryStatus
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.readers import bounces, rights, subscriptions, transfer
from bulletin.store import campaigns as campaign_store
from bulletin.store.ledger import claims
from bulletin.store.readers import suppressions
from bulletin.store.tables import audit_log, deliveries, events, metadata
from tests.support.engines import engine_for
from tests.support.factories import digest, is_suppressed, unique_email, web_requester
from tests.support.returns import returned_mail
from tests.support.smtp_sink import SmtpSink

TYPED = "Erin.Reader@Readers.example.org"
KEY = "erin.reader@readers.example.org"
ALERT = AlertDraft("Storm makes landfall", "Evacuations continue.", "https://news.example.com/s")
LATER = AlertDraft("Storm moves inland", "Rivers are rising.", "https://news.example.com/t")


def _reader(ctx: Context, email: str = TYPED) -> int:
    result = subscriptions.sign_up(
        ctx,
        email=email,
        list_slugs=["breaking", "morning-briefing"],
        requester=web_requester(),
        time_zone="Europe/Berlin",
        topics=["science"],
    )
    token = ctx.tokens.confirm(result.subscriber_id, result.email)
    subscriptions.confirm(ctx, token, requester=web_requester())
    return result.subscriber_id


def _bounced_reader(ctx: Context, sink: SmtpSink) -> tuple[int, int, int]:
    """A reader sent one alert (which bounced: suppressed) with a second one queued."""
    reader = _reader(ctx)
    first = alerts.fire_alert(ctx, ALERT, actor=None)
    engine_for(ctx, sink.url).run_until_idle()
    [message] = sink.list_mail()
    second = alerts.fire_alert(ctx, LATER, actor=None)  # queued, not sent yet
    bounce = returned_mail(
        "postfix_550_5_1_1_user_unknown.eml",
        campaign=first.campaign_id,
        subscriber=reader,
        email=message.rcpt_tos[0],
    )
    [outcome] = bounces.process(ctx, [("bounce", bounce)]).outcomes
    assert outcome.action == "recorded"
    return reader, first.campaign_id, second.campaign_id


def _everything(ctx: Context) -> str:
    """Every row of every table, as text: where an erased address must not be."""
    with ctx.db.transaction() as conn:
        rows = [
            dict(row._mapping)
            for table in metadata.sorted_tables
            for row in conn.execute(select(table))
        ]
    return json.dumps(rows, default=str).lower()


def test_the_export_holds_everything_we_keep_about_the_reader(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    reader, first, second = _bounced_reader(ctx, smtp_sink)
    document = rights.export(ctx, rights.find(ctx, "ERIN.READER@readers.example.org"), actor="ed")
    assert document["reader"]["id"] == reader
    assert document["reader"]["email"] == "Erin.Reader@readers.example.org"  # as typed
    assert document["reader"]["address_key"] == KEY
    assert {(x["list"], x["status"]) for x in document["lists"]} == {
        ("breaking", "confirmed"),
        ("morning-briefing", "confirmed"),
    }
    assert document["topics"] == ["science"]
    assert (document["time_zone"], document["briefing_time"]) == ("Europe/Berlin", "06:00")
    assert [c["action"] for c in document["consent"]] == [
        "sign_up",
        "sign_up",
        "confirm",
        "confirm",
    ]
    assert all(c["ip"] == "127.0.0.1" for c in document["consent"])
    assert [(s["campaign_id"], s["status"]) for s in document["sends"]] == [
        (first, "sent"),
        (second, "queued"),
    ]
    assert [(e["kind"], e["campaign_id"]) for e in document["returned_mail"]] == [("bounce", first)]
    assert document["suppression"]["reason"] == "hard_bounce"
    json.dumps(document)  # plain JSON all the way down
    with ctx.db.transaction() as conn:
        audited = conn.execute(select(audit_log.c.action, audit_log.c.target_id)).all()
    assert ("subscriber.export", str(reader)) in audited


def test_erasure_leaves_no_trace_of_the_address_but_keeps_the_suppression_and_the_counts(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    reader, first, second = _bounced_reader(ctx, smtp_sink)
    erased = rights.erase(ctx, rights.find(ctx, KEY), actor="admin@news.example.com")
    assert (erased.subscriber_id, erased.ledger_rows, erased.cancelled) == (reader, 2, 1)
    assert erased.events == 1 and erased.suppressed
    assert KEY not in _everything(ctx)
    assert "erin.reader" not in _everything(ctx)
    with ctx.db.transaction() as conn:
        ledger = conn.execute(
            select(
                deliveries.c.campaign_id, deliveries.c.subscriber_id, deliveries.c.status
            ).order_by(deliveries.c.id)
        ).all()
        event = conn.execute(select(events.c.kind, events.c.subscriber_id, events.c.email)).one()
        entry = conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "subscriber.erase")
        ).scalar_one()
    # the campaigns' figures still count this reader's copies, which name no one
    assert [tuple(r) for r in ledger] == [(first, None, "sent"), (second, None, "cancelled")]
    assert tuple(event) == ("bounce", None, None)
    assert entry["address_hash"] == digest(ctx, KEY)
    assert is_suppressed(ctx, TYPED)


def test_an_erased_suppressed_address_that_comes_back_is_still_suppressed(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    _bounced_reader(ctx, smtp_sink)
    rights.erase(ctx, rights.find(ctx, TYPED), actor="admin")
    with pytest.raises(NotFound, match="suppressed: it may have been erased"):
        rights.find(ctx, TYPED)
    again = subscriptions.sign_up(
        ctx,
        email="erin.reader@readers.example.org",
        list_slugs=["breaking"],
        requester=web_requester(),
    )
    assert not again.confirmation_queued
    report = transfer.import_csv(
        ctx, f"email\n{TYPED}\n", default_lists=["breaking"], consent_source="x", actor="ed"
    )
    assert [n.message.split(" (")[1] for n in report.skipped] == ["bounced): not added."]


def test_an_erased_reader_who_was_not_suppressed_may_sign_up_afresh(ctx: Context) -> None:
    reader = _reader(ctx)
    erased = rights.erase(ctx, reader, actor="admin")
    assert not erased.suppressed
    again = subscriptions.sign_up(
        ctx, email=TYPED, list_slugs=["breaking"], requester=web_requester()
    )
    assert again.subscriber_id != reader and again.confirmation_queued


def test_a_copy_already_claimed_when_its_reader_is_erased_is_never_sent(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    reader = _reader(ctx)
    _reader(ctx, email=unique_email())
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    with ctx.db.transaction() as conn:
        claimed = claims.claim(
            conn,
            owner="w1",
            now=ctx.clock(),
            lease=timedelta(minutes=5),
            limit=10,
            campaign_ids=[fired.campaign_id],
        )
    assert len(claimed) == 2
    rights.erase(ctx, reader, actor="admin")
    with ctx.db.transaction() as conn:  # the worker gave it back (a 4xx, say): queued again
        conn.execute(update(deliveries).values(status="queued", lease_owner=None))
    engine_for(ctx, smtp_sink.url).run_until_idle()
    [sent] = smtp_sink.list_mail()
    assert sent.rcpt_tos[0].lower() != KEY
    with ctx.db.transaction() as conn:
        statuses = sorted(conn.execute(select(deliveries.c.status)).scalars())
        campaign = campaign_store.get(conn, fired.campaign_id)
    assert statuses == [DeliveryStatus.CANCELLED, DeliveryStatus.SENT]
    assert campaign is not None and campaign.status is CampaignStatus.SENT


def test_nobody_by_that_address_is_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound, match=r"No reader has the address nobody@example\.org"):
        rights.find(ctx, "nobody@example.org")
    with ctx.db.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar_one() == 0


def test_erasing_twice_finds_no_one_the_second_time(ctx: Context) -> None:
    reader = _reader(ctx)
    rights.erase(ctx, reader, actor="admin")
    with pytest.raises(NotFound):
        rights.erase(ctx, reader, actor="admin")
    with ctx.db.transaction() as conn:
        assert not suppressions.is_suppressed(conn, digest(ctx, TYPED))
