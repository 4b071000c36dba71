"""SendGrid v3 Mail Send as a relay, against a loopback server that speaks it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bulletin.benchmarks.provider_api import ProviderApiServer
from bulletin.mail.webhooks import sendgrid as sendgrid_hook
from tests.support.hooks import sendgrid_event
from tests.support.providers import provider_api, reader_message, send_batch

READER = "reader@readers.example.org"
OURS = "<bulletin.c3.s7.k0123456789@news.example.com>"


@pytest.fixture
def api() -> Iterator[ProviderApiServer]:
    with provider_api("sendgrid") as server:
        yield server


def test_a_message_is_accepted_and_the_x_message_id_is_the_receipt(api: ProviderApiServer) -> None:
    result = send_batch(api.url(), [reader_message(READER)])

    (message,) = api.received[0].messages
    assert result.unreachable is None
    assert result.replies[0].code == 250
    assert result.replies[0].text == f"250 {message.receipt}"


def test_the_request_carries_our_fields_headers_and_message_id(api: ProviderApiServer) -> None:
    send_batch(api.url(), [reader_message(READER)])

    body = api.received[0].messages[0].fields
    (personalization,) = body["personalizations"]
    assert personalization == {
        "to": [{"email": READER}],
        "custom_args": {"bulletin_message_id": OURS},
    }
    assert body["from"] == {"email": "alerts@news.example.com", "name": "Daily Bugle Alerts"}
    assert body["subject"] == "Parliament dissolved"
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert "https://news.example.com/unsubscribe/tok7" in body["content"][0]["value"]
    headers = body["headers"]
    assert headers["Message-ID"] == OURS
    assert headers["List-Unsubscribe"] == (
        "<https://news.example.com/unsubscribe/tok7>, "
        "<mailto:unsubscribe@news.example.com?subject=unsubscribe>"
    )
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["Feedback-ID"] == "alert:breaking:news.example.com"
    assert not {"From", "To", "Subject", "Content-Type", "MIME-Version"} & set(headers)
    assert body["tracking_settings"]["click_tracking"] == {"enable": False}


def test_a_wrong_api_key_makes_the_relay_unreachable(api: ProviderApiServer) -> None:
    result = send_batch(api.url(secret="SG.wrong"), [reader_message(READER)])

    assert result.replies == []
    assert result.unreachable == "HTTP 401: the API refused our credentials"


def test_throttling_is_temporary(api: ProviderApiServer) -> None:
    api.script.append("throttle")

    (reply,) = send_batch(api.url(), [reader_message(READER)]).replies

    assert reply.code == 451 and "HTTP 429" in reply.text


def test_a_refused_request_is_permanent_with_sendgrid_error_and_the_batch_goes_on(
    api: ProviderApiServer,
) -> None:
    api.refuse("bad@readers.example.org")
    envelopes = [reader_message("bad@readers.example.org", key=1), reader_message(READER, key=2)]

    replies = send_batch(api.url(), envelopes).replies

    assert [r.code for r in replies] == [550, 250]
    assert replies[0].text == (
        "550 SendGrid rejected it (HTTP 400): personalizations.0.to.0.email: "
        "Does not contain a valid address."
    )


def test_a_server_error_is_temporary(api: ProviderApiServer) -> None:
    api.script.append("error")

    (reply,) = send_batch(api.url(), [reader_message(READER)]).replies

    assert reply.code == 451


def test_no_answer_in_time_is_temporary(api: ProviderApiServer) -> None:
    api.script.append("hang")

    (reply,) = send_batch(api.url(), [reader_message(READER)], timeout=0.3).replies

    assert reply.code == 451 and "may have taken it" in reply.text


def test_the_event_webhook_reads_back_the_message_id_we_sent(api: ProviderApiServer) -> None:
    """SendGrid posts custom args back with each event: /hooks/sendgrid finds the send."""
    send_batch(api.url(), [reader_message(READER)])
    sent = api.received[0].messages[0]
    custom_args = sent.fields["personalizations"][0]["custom_args"]
    at = datetime(2026, 12, 1, tzinfo=UTC)
    events = [sendgrid_event("bounce", READER, at=at, sg_message_id=sent.receipt, **custom_args)]

    (event,) = sendgrid_hook.events(json.dumps(events).encode())

    assert event.message_id == OURS
