"""Leaving a list by email: the mailto of List-Unsubscribe, through the real inbound listener."""

from __future__ import annotations

from email import message_from_bytes, policy
from functools import partial
from urllib.parse import parse_qs, unquote, urlsplit

from bulletin.domain.models import AlertDraft, SubscriptionStatus
from bulletin.mail.inbound import InboundListener
from bulletin.mail.transports import Envelope, send_now
from bulletin.mail.transports.memory import memory_box
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.readers import inbound
from bulletin.services.readers.mailto import unsubscribe_by_mail
from bulletin.store.readers import subscribers as subscriber_store
from tests.support.engines import engine_for
from tests.support.factories import confirmed_reader, unique_email
from tests.support.ports import free_port

BREAKING = 1
ALERT = AlertDraft("Dam gates opened", "Move to higher ground.", "https://news.example.com/dam")


def _mail(subject: str, body: str = "") -> bytes:
    return (
        f"From: reader@readers.example.org\r\nTo: unsubscribe@news.example.com\r\n"
        f"Subject: {subject}\r\n\r\n{body}\r\n"
    ).encode()


def _status(ctx: Context, subscriber_id: int) -> SubscriptionStatus | None:
    with ctx.db.transaction() as conn:
        return subscriber_store.statuses(conn, subscriber_id).get(BREAKING)


def test_the_signed_token_in_the_subject_unsubscribes_its_reader(ctx: Context) -> None:
    reader = confirmed_reader(ctx)
    token = ctx.tokens.unsubscribe(reader, BREAKING)

    outcome = unsubscribe_by_mail(ctx, _mail(f"unsubscribe {token}"))

    assert outcome.unsubscribed and outcome.list_name == "Breaking News Alerts"
    assert _status(ctx, reader) is SubscriptionStatus.UNSUBSCRIBED


def test_a_token_moved_into_the_body_still_counts(ctx: Context) -> None:
    reader = confirmed_reader(ctx)
    token = ctx.tokens.unsubscribe(reader, BREAKING)

    assert unsubscribe_by_mail(ctx, _mail("Unsubscribe", f"unsubscribe {token}")).unsubscribed
    assert _status(ctx, reader) is SubscriptionStatus.UNSUBSCRIBED


def test_a_forged_or_missing_token_changes_nothing(ctx: Context) -> None:
    reader = confirmed_reader(ctx)
    token = ctx.tokens.unsubscribe(reader, BREAKING)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    for raw in (_mail(f"unsubscribe {forged}"), _mail("please remove me"), b"\xff\x00garbage"):
        assert not unsubscribe_by_mail(ctx, raw).unsubscribed
    assert _status(ctx, reader) is SubscriptionStatus.CONFIRMED


def test_replying_to_an_alerts_mailto_through_the_listener_unsubscribes_at_once(
    ctx: Context,
) -> None:
    email = unique_email()
    reader = confirmed_reader(ctx, email=email)
    box = memory_box("mailto-e2e")
    box.clear()
    alerts.fire_alert(ctx, ALERT, actor=None)
    engine_for(ctx, "memory://mailto-e2e").run_until_idle()
    (sent,) = [m for m in box.messages if m.recipient == email and b"List-Id:" in m.data]
    header = str(message_from_bytes(sent.data, policy=policy.default)["List-Unsubscribe"])
    mailto = urlsplit(next(p.strip("<> ") for p in header.split(",") if "mailto:" in p))
    subject = unquote(parse_qs(mailto.query)["subject"][0])

    listener = InboundListener(
        partial(inbound.take, ctx), domain=ctx.settings.mail_domain, port=free_port()
    )
    listener.start()
    try:
        envelope = Envelope(1, email, mailto.path, _mail(subject))
        url = f"smtp://{listener.host}:{listener.port}?starttls=off"
        (reply,) = send_now(url, [envelope], timeout=5)
    finally:
        listener.stop()

    assert reply.accepted
    assert _status(ctx, reader) is SubscriptionStatus.UNSUBSCRIBED
