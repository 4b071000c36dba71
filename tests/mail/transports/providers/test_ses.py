"""Amazon SES v2 as a relay, against a loopback server that speaks SendEmail and checks SigV4."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email.parser import BytesHeaderParser

import pytest

from bulletin.benchmarks.provider_api import ProviderApiServer
from bulletin.mail.webhooks import ses as ses_hook
from bulletin.mail.webhooks.sns import SnsMessage
from tests.support.ports import free_port
from tests.support.providers import provider_api, reader_message, send_batch

READER = "reader@readers.example.org"


@pytest.fixture
def api() -> Iterator[ProviderApiServer]:
    with provider_api("ses") as server:
        yield server


def test_a_signed_send_email_is_accepted_and_ses_message_id_is_the_receipt(
    api: ProviderApiServer,
) -> None:
    envelope = reader_message(READER)

    result = send_batch(api.url(), [envelope])

    (received,) = api.received  # the server took it only because the signature checked out
    (message,) = received.messages
    assert result.unreachable is None
    assert [reply.code for reply in result.replies] == [250]
    assert result.replies[0].text == f"250 {message.receipt}"
    assert message.fields["Destination"] == {"ToAddresses": [READER]}


def test_our_mime_bytes_go_unchanged_so_our_headers_and_dkim_survive(
    api: ProviderApiServer,
) -> None:
    envelope = reader_message(READER)

    send_batch(api.url(), [envelope])

    (message,) = api.received[0].messages
    assert message.raw == envelope.data
    raw = json.loads(json.dumps(message.fields))["Content"]["Raw"]["Data"]
    assert base64.b64decode(raw) == envelope.data


def test_configuration_set_and_verp_feedback_are_sent_when_configured(
    api: ProviderApiServer,
) -> None:
    envelope = reader_message(READER)

    send_batch(api.url(options="configuration_set=news-alerts&feedback=verp"), [envelope])

    fields = api.received[0].messages[0].fields
    assert fields["ConfigurationSetName"] == "news-alerts"
    assert fields["FeedbackForwardingEmailAddress"] == envelope.sender


def test_a_wrong_secret_fails_the_signature_and_the_relay_is_unreachable(
    api: ProviderApiServer,
) -> None:
    result = send_batch(api.url(secret="not-the-secret"), [reader_message(READER)])

    assert result.replies == []
    assert result.unreachable == "HTTP 403: the API refused our credentials"
    assert api.received == []


def test_throttling_is_temporary_so_the_engine_backs_off(api: ProviderApiServer) -> None:
    api.script.append("throttle")

    result = send_batch(api.url(), [reader_message(READER)])

    (reply,) = result.replies
    assert reply.code == 451 and "TooManyRequestsException" in reply.text


def test_a_rejected_message_is_permanent_with_ses_reason(api: ProviderApiServer) -> None:
    api.refuse(READER)

    (reply,) = send_batch(api.url(), [reader_message(READER)]).replies

    assert reply.code == 554
    assert reply.text == "554 SES rejected it (MessageRejected): Email address is not verified."


def test_a_suspended_account_makes_the_relay_unreachable(api: ProviderApiServer) -> None:
    api.script.append("suspended")

    result = send_batch(api.url(), [reader_message(READER)])

    assert result.replies == []
    assert result.unreachable is not None and "AccountSuspendedException" in result.unreachable


def test_a_server_error_is_temporary(api: ProviderApiServer) -> None:
    api.script.append("error")

    (reply,) = send_batch(api.url(), [reader_message(READER)]).replies

    assert reply.code == 451 and "HTTP 500" in reply.text


def test_no_answer_in_time_is_temporary_as_ses_may_have_taken_it(api: ProviderApiServer) -> None:
    api.script.append("hang")

    result = send_batch(api.url(), [reader_message(READER)], timeout=0.3)

    (reply,) = result.replies
    assert result.unreachable is None
    assert reply.code == 451 and "may have taken it" in reply.text


def test_nothing_listening_is_unreachable_and_nothing_was_handed_over() -> None:
    url = f"ses+http://AKID:secret@127.0.0.1:{free_port()}?region=eu-west-1"

    result = send_batch(url, [reader_message(READER)])

    assert result.replies == []
    assert result.unreachable == "cannot connect (ConnectError)"


def test_the_ses_notification_for_a_sent_message_names_our_message_id(
    api: ProviderApiServer,
) -> None:
    """SES's notifications carry the headers as we sent them: /hooks/ses finds the send."""
    envelope = reader_message(READER, subscriber=42)
    send_batch(api.url(), [envelope])
    message = api.received[0].messages[0]
    assert message.raw is not None
    headers = BytesHeaderParser().parsebytes(message.raw).items()
    notification = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": READER, "status": "5.1.1"}],
        },
        "mail": {
            "messageId": message.receipt,
            "destination": [READER],
            "headers": [{"name": name, "value": value} for name, value in headers],
        },
    }
    at = datetime(2026, 12, 1, tzinfo=UTC)

    (event,) = ses_hook.events(
        SnsMessage("Notification", "n-1", "arn:t", json.dumps(notification), at)
    )

    assert event.message_id == "<bulletin.c3.s42.k0123456789@news.example.com>"
