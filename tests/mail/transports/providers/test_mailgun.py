"""Mailgun's messages.mime as a relay, against a loopback server that speaks it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bulletin.benchmarks.provider_api import ProviderApiServer
from bulletin.mail.webhooks import mailgun as mailgun_hook
from tests.support.hooks import MAILGUN_KEY, mailgun_body, mailgun_event
from tests.support.providers import provider_api, reader_message, send_batch

READER = "reader@readers.example.org"
OURS = "<bulletin.c3.s7.k0123456789@news.example.com>"


@pytest.fixture
def api() -> Iterator[ProviderApiServer]:
    with provider_api("mailgun") as server:
        yield server


def test_our_mime_goes_unchanged_and_mailgun_id_is_the_receipt(api: ProviderApiServer) -> None:
    envelope = reader_message(READER)

    result = send_batch(api.url(), [envelope])

    (message,) = api.received[0].messages
    assert api.received[0].path == "/v3/news.example.com/messages.mime"
    assert message.raw == envelope.data
    assert message.fields == {
        "to": READER,
        "o:tracking": "no",
        "v:bulletin-message-id": OURS,
    }
    assert result.replies[0].text == f"250 {message.receipt}"


def test_a_wrong_key_makes_the_relay_unreachable(api: ProviderApiServer) -> None:
    result = send_batch(api.url(secret="key-wrong"), [reader_message(READER)])

    assert (result.replies, result.unreachable) == (
        [],
        "HTTP 401: the API refused our credentials",
    )


def test_an_unknown_sending_domain_makes_the_relay_unreachable(api: ProviderApiServer) -> None:
    url = api.url().replace("/news.example.com", "/other.example.com")

    result = send_batch(url, [reader_message(READER)])

    assert result.unreachable == "HTTP 404: Mailgun has no such sending domain"


def test_throttling_is_temporary(api: ProviderApiServer) -> None:
    api.script.append("throttle")

    (reply,) = send_batch(api.url(), [reader_message(READER)]).replies

    assert reply.code == 451 and "Too many requests" in reply.text


def test_a_refused_recipient_is_permanent_and_the_batch_goes_on(api: ProviderApiServer) -> None:
    api.refuse("bad@readers.example.org")
    envelopes = [reader_message("bad@readers.example.org"), reader_message(READER, key=2)]

    replies = send_batch(api.url(), envelopes).replies

    assert [r.code for r in replies] == [550, 250]
    assert "not a valid address" in replies[0].text


def test_a_server_error_and_no_answer_are_temporary(api: ProviderApiServer) -> None:
    api.script.extend(["error", "hang"])
    envelopes = [reader_message(READER), reader_message(READER, key=2)]

    replies = send_batch(api.url(), envelopes, timeout=0.3).replies

    assert [r.code for r in replies] == [451, 451]
    assert "HTTP 500" in replies[0].text and "may have taken it" in replies[1].text


def test_the_webhook_reads_back_the_message_id_we_sent(api: ProviderApiServer) -> None:
    """Mailgun posts user variables back in every event: /hooks/mailgun finds the send."""
    send_batch(api.url(), [reader_message(READER)])
    sent = api.received[0].messages[0]
    variables = {"bulletin-message-id": sent.fields["v:bulletin-message-id"]}
    at = datetime(2026, 12, 1, tzinfo=UTC)
    event_data = mailgun_event(
        "failed", READER, at=at, message_id=sent.receipt.strip("<>"), severity="permanent"
    )
    event_data["user-variables"] = variables

    (event,) = mailgun_hook.read(mailgun_body(event_data, at=at), signing_key=MAILGUN_KEY, now=at)

    assert event.message_id == OURS
