"""Provider relays in tests: a loopback API per kind, real messages, and one batch sent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from bulletin.benchmarks.provider_api import ProviderApiServer
from bulletin.mail import message as mail
from bulletin.mail.transports import BatchResult, Envelope, connection_to, parse_relay

SECRETS = {"ses": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "sendgrid": "SG.key-123"}
DOMAIN = "news.example.com"


@contextmanager
def provider_api(kind: str) -> Iterator[ProviderApiServer]:
    """A real HTTP server on 127.0.0.1 speaking `kind`'s API, for the test's length."""
    server = ProviderApiServer(kind, secret=SECRETS.get(kind, f"{kind}-secret-token")).start()
    try:
        yield server
    finally:
        server.stop()


def reader_message(
    recipient: str, *, key: int = 1, subscriber: int = 7, subject: str = "Parliament dissolved"
) -> Envelope:
    """A list message as Bulletin builds them: our headers, text and HTML, a signed-style id."""
    message_id = f"<bulletin.c3.s{subscriber}.k0123456789@{DOMAIN}>"
    built = mail.build(
        mail.OutgoingMessage(
            sender="Daily Bugle Alerts <alerts@news.example.com>",
            to=recipient,
            subject=subject,
            text=f"Elections follow in 60 days.\nLeave: https://{DOMAIN}/unsubscribe/tok{subscriber}\n",
            html=f'<p>Elections follow in 60 days. <a href="https://{DOMAIN}/unsubscribe/'
            f'tok{subscriber}">Leave</a></p>',
            message_id=message_id,
            date=datetime(2026, 12, 1, 6, 0, tzinfo=UTC),
            list_headers=mail.ListHeaders(
                list_id=f'"Breaking" <breaking.{DOMAIN}>',
                unsubscribe_url=f"https://{DOMAIN}/unsubscribe/tok{subscriber}",
                unsubscribe_mailto=f"mailto:unsubscribe@{DOMAIN}?subject=unsubscribe",
                feedback_id=f"alert:breaking:{DOMAIN}",
            ),
        )
    )
    return Envelope(
        key=key,
        sender=f"bounces+c3.s{subscriber}.k0123456789@{DOMAIN}",
        recipient=recipient,
        data=built,
        eight_bit=mail.is_eight_bit(built),
    )


def send_batch(url: str, envelopes: Sequence[Envelope], *, timeout: float = 5.0) -> BatchResult:
    """One `send_batch` on a fresh connection to the relay at `url`, then close it."""

    async def send() -> BatchResult:
        connection = connection_to(parse_relay(url), timeout=timeout)
        try:
            return await connection.send_batch(envelopes)
        finally:
            await connection.close(polite=True)

    return asyncio.run(send())
