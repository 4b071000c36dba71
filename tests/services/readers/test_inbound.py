"""Returned mail through the inbound listener: an address that is gone is not mailed again."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest

from bulletin.domain.models import AlertDraft
from bulletin.mail.inbound import InboundListener
from bulletin.mail.transports import Envelope, Reply, send_now
from bulletin.mail.transports.memory import Stored, memory_box
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.readers import inbound
from tests.support.engines import engine_for
from tests.support.factories import confirmed_reader, unique_email
from tests.support.ports import free_port

FIRST = AlertDraft("Dam gates opened", "Move to higher ground.", "https://news.example.com/dam")
SECOND = AlertDraft("Dam: all clear", "Residents may return.", "https://news.example.com/clear")


def dsn(return_path: str, recipient: str, status: str, diagnostic: str) -> bytes:
    """A Postfix-style delivery status notification (RFC 3464) for one failed recipient."""
    return (
        "From: MAILER-DAEMON@mx.readers.example.org (Mail Delivery System)\r\n"
        f"To: {return_path}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
        f"<{recipient}>: host mx.readers.example.org said: {diagnostic}\r\n"
        "\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.readers.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n"
        "\r\n--b1--\r\n"
    ).encode()


@pytest.fixture
def listener(ctx: Context) -> Iterator[InboundListener]:
    started = InboundListener(
        partial(inbound.take, ctx), domain=ctx.settings.mail_domain, port=free_port()
    )
    started.start()
    yield started
    started.stop()


def deliver(listener: InboundListener, to: str, data: bytes) -> Reply:
    url = f"smtp://{listener.host}:{listener.port}?starttls=off"
    (reply,) = send_now(url, [Envelope(1, "", to, data)], timeout=5)
    return reply


def alert_to(ctx: Context, draft: AlertDraft, box: str) -> list[Stored]:
    memory_box(box).clear()
    alerts.fire_alert(ctx, draft, actor=None)
    engine_for(ctx, f"memory://{box}").run_until_idle()
    return [m for m in memory_box(box).messages if b"List-Id:" in m.data]


def test_a_bounce_for_an_address_that_is_gone_suppresses_it_and_the_next_alert_skips_it(
    ctx: Context, listener: InboundListener
) -> None:
    gone, fine = unique_email(), unique_email()
    confirmed_reader(ctx, email=gone)
    confirmed_reader(ctx, email=fine)
    (to_gone,) = [m for m in alert_to(ctx, FIRST, "returns-e2e") if m.recipient == gone]
    assert b"\r\nFeedback-ID: alert:breaking:news.example.com\r\n" in to_gone.data

    reply = deliver(
        listener,
        to_gone.sender,  # the VERP return path the message went out with
        dsn(to_gone.sender, gone, "5.1.1", f"550 5.1.1 <{gone}>: User unknown"),
    )

    assert reply.accepted
    assert [m.recipient for m in alert_to(ctx, SECOND, "returns-e2e")] == [fine]
