"""Postmark's batch API as a relay, against a loopback server that speaks it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bulletin.benchmarks.provider_api import ProviderApiServer
from bulletin.mail.transports.providers.postmark import PostmarkConnection
from bulletin.mail.webhooks import postmark as postmark_hook
from tests.support.hooks import postmark_bounce
from tests.support.providers import provider_api, reader_message, send_batch

OURS = "<bulletin.c3.s{n}.k0123456789@news.example.com>"


def _readers(count: int) -> list[str]:
    return [f"reader{n}@readers.example.org" for n in range(count)]


@pytest.fixture
def api() -> Iterator[ProviderApiServer]:
    with provider_api("postmark") as server:
        yield server


def test_a_batch_goes_in_one_request_with_a_receipt_per_message(api: ProviderApiServer) -> None:
    envelopes = [reader_message(r, key=n, subscriber=n) for n, r in enumerate(_readers(3))]

    result = send_batch(api.url(), envelopes)

    (request,) = api.received
    receipts = [m.receipt for m in request.messages]
    assert [r.text for r in result.replies] == [f"250 {receipt}" for receipt in receipts]
    assert [m.recipient for m in request.messages] == _readers(3)


def test_each_message_carries_our_fields_headers_stream_and_metadata(
    api: ProviderApiServer,
) -> None:
    send_batch(api.url(), [reader_message("reader@readers.example.org")])

    fields = api.received[0].messages[0].fields
    assert fields["From"] == '"Daily Bugle Alerts" <alerts@news.example.com>'
    assert (fields["Subject"], fields["MessageStream"]) == ("Parliament dissolved", "broadcast")
    assert "unsubscribe/tok7" in fields["TextBody"] and "unsubscribe/tok7" in fields["HtmlBody"]
    headers = {h["Name"]: h["Value"] for h in fields["Headers"]}
    assert headers["Message-ID"] == OURS.format(n=7)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert fields["Metadata"] == {"bulletin-message-id": OURS.format(n=7)}
    assert (fields["TrackOpens"], fields["TrackLinks"]) == (False, "None")


def test_a_partial_failure_answers_each_message_in_order(api: ProviderApiServer) -> None:
    readers = _readers(3)
    api.refuse(readers[1])

    replies = send_batch(
        api.url(), [reader_message(r, key=n) for n, r in enumerate(readers)]
    ).replies

    assert [r.code for r in replies] == [250, 550, 250]
    assert replies[1].text.startswith("550 Postmark rejected it (ErrorCode 406): You tried to send")


def test_a_wrong_token_makes_the_relay_unreachable(api: ProviderApiServer) -> None:
    result = send_batch(api.url(secret="wrong"), [reader_message("r@readers.example.org")])

    assert (result.replies, result.unreachable) == (
        [],
        "HTTP 401: the API refused our credentials",
    )


@pytest.mark.parametrize(("behaviour", "said"), [("throttle", "HTTP 429"), ("error", "HTTP 500")])
def test_throttling_and_server_errors_are_temporary_for_the_whole_batch(
    api: ProviderApiServer, behaviour: str, said: str
) -> None:
    api.script.append(behaviour)

    replies = send_batch(api.url(), [reader_message(r) for r in _readers(2)]).replies

    assert [r.code for r in replies] == [451, 451]
    assert said in replies[0].text


def test_no_answer_in_time_is_temporary_for_the_whole_batch(api: ProviderApiServer) -> None:
    api.script.append("hang")

    replies = send_batch(api.url(), [reader_message(r) for r in _readers(2)], timeout=0.3).replies

    assert [r.code for r in replies] == [451, 451]


def test_a_message_with_no_body_is_permanent_and_the_others_still_go(
    api: ProviderApiServer,
) -> None:
    broken = reader_message("a@readers.example.org")._replace(
        data=b"From: a@news.example.com\r\nContent-Type: image/png\r\n\r\nxx"
    )

    replies = send_batch(api.url(), [broken, reader_message("b@readers.example.org")]).replies

    assert [r.code for r in replies] == [554, 250]


def test_the_batch_size_is_postmark_documented_500() -> None:
    assert PostmarkConnection.batch_size == 500


def test_the_bounce_webhook_reads_back_the_message_id_we_sent(api: ProviderApiServer) -> None:
    """Postmark posts a message's Metadata back with its bounce: /hooks/postmark finds the send."""
    send_batch(api.url(), [reader_message("reader@readers.example.org")])
    sent = api.received[0].messages[0]
    at = datetime(2026, 12, 1, tzinfo=UTC)
    record = postmark_bounce("reader@readers.example.org", "HardBounce", at=at)
    record.update(MessageID=sent.receipt, Metadata=sent.fields["Metadata"])

    (event,) = postmark_hook.events(json.dumps(record).encode())

    assert event.message_id == OURS.format(n=7)
