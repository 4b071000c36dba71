"""SendGrid personalizations, Mailgun recipient variables: one request, each reader's own message.

Each test sends a real campaign's envelopes (the composer the engine uses) to a
loopback server that makes each reader's message from the batch as the provider
documents it, and compares that with the reader's message sent alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bulletin.benchmarks.provider_api import ProviderApiServer
from bulletin.mail.transports import Envelope
from bulletin.mail.transports.providers.fields import MessageFields, message_fields
from bulletin.mail.webhooks import mailgun as mailgun_hook
from bulletin.mail.webhooks import sendgrid as sendgrid_hook
from tests.support.campaign_mail import campaign_messages, readers_envelopes
from tests.support.hooks import MAILGUN_KEY, mailgun_body, mailgun_event, sendgrid_event
from tests.support.providers import provider_api, reader_message, send_batch

KINDS = ["sendgrid", "mailgun"]


@pytest.fixture(params=KINDS)
def api(request: pytest.FixtureRequest) -> Iterator[ProviderApiServer]:
    with provider_api(request.param) as server:
        yield server


def _as_made(
    kind: str, expanded: dict[str, Any]
) -> tuple[str, str | None, str | None, dict[str, str]]:
    """(subject, text, HTML, headers) of a reader's message as the provider made it."""
    if kind == "sendgrid":
        headers = dict(expanded["headers"])
    else:
        headers = {k[2:]: v for k, v in expanded.items() if k.startswith("h:")}
    return expanded["subject"], expanded.get("text"), expanded.get("html"), headers


def _alone(fields: MessageFields) -> tuple[str, str | None, str | None, dict[str, str]]:
    return fields.subject, fields.text, fields.html, dict(fields.headers)


def _event_message_id(kind: str, expanded: dict[str, Any]) -> str:
    """Our Message-ID as the provider's webhook would post it back."""
    if kind == "sendgrid":
        return str(expanded["custom_args"]["bulletin_message_id"])
    return str(expanded["v:bulletin-message-id"])


def test_a_campaigns_readers_go_in_one_request_each_with_exactly_their_own_message(
    api: ProviderApiServer,
) -> None:
    # A follow-up: each reader's In-Reply-To and References are theirs as well.
    envelopes = readers_envelopes(campaign_messages(8, thread=(7,)), 25)

    result = send_batch(api.url(), envelopes)

    (request,) = api.received
    assert [m.recipient for m in request.messages] == [e.recipient for e in envelopes]
    assert result.replies == [result.replies[0]] * 25 and result.replies[0].code == 250
    for envelope, made in zip(envelopes, request.messages, strict=True):
        alone = message_fields(envelope.data)
        assert _as_made(api.state.kind, made.expanded) == _alone(alone)
        assert made.message_id == alone.message_id
        assert _event_message_id(api.state.kind, made.expanded) == alone.message_id


def test_no_reader_s_token_or_message_id_appears_in_another_reader_s_message(
    api: ProviderApiServer,
) -> None:
    messages = campaign_messages()
    envelopes = readers_envelopes(messages, 12)

    send_batch(api.url(), envelopes)

    made = {m.recipient: repr(m.expanded) for m in api.received[0].messages}
    for n, envelope in enumerate(envelopes, start=1):
        own = (messages.token(n), message_fields(envelope.data).message_id or "")
        for other, text in made.items():
            assert all((value in text) == (other == envelope.recipient) for value in own)


def test_the_shared_parts_travel_once_and_only_the_readers_values_per_reader(
    api: ProviderApiServer,
) -> None:
    envelopes = readers_envelopes(campaign_messages(), 40)

    send_batch(api.url(), envelopes)

    fields = api.received[0].messages[0].fields
    if api.state.kind == "sendgrid":
        assert len(fields["personalizations"]) == 40
        assert "List-Unsubscribe" not in fields["headers"] and "List-Id" in fields["headers"]
        assert {"to", "substitutions", "headers", "custom_args"} == set(
            fields["personalizations"][0]
        )
    else:
        assert "%recipient.token%" in fields["h:List-Unsubscribe"]
        assert fields["v:bulletin-message-id"] == "%recipient.message_id%"
        assert fields["o:tracking"] == "no"


def test_a_reader_the_provider_refuses_fails_alone_and_the_others_go_in_a_second_request(
    api: ProviderApiServer,
) -> None:
    envelopes = readers_envelopes(campaign_messages(), 5)
    api.refuse(envelopes[2].recipient)

    replies = send_batch(api.url(), envelopes).replies

    assert [r.code for r in replies] == [250, 250, 550, 250, 250]
    assert "valid address" in replies[2].text
    (accepted,) = api.received  # the refused request was not taken: only the second was
    assert [m.recipient for m in accepted.messages] == [
        e.recipient for i, e in enumerate(envelopes) if i != 2
    ]


def test_a_refusal_of_the_whole_request_answers_every_reader_in_it(
    api: ProviderApiServer,
) -> None:
    api.script.append("refuse-request")

    replies = send_batch(api.url(), readers_envelopes(campaign_messages(), 4)).replies

    assert {r.code for r in replies} == {550} and len(replies) == 4
    assert "from" in replies[0].text.lower()


def test_throttling_answers_every_reader_of_the_request_with_a_retry(
    api: ProviderApiServer,
) -> None:
    api.script.append("throttle")

    replies = send_batch(api.url(), readers_envelopes(campaign_messages(), 6)).replies

    assert [r.code for r in replies] == [451] * 6


def test_no_answer_in_time_leaves_every_reader_of_the_request_to_try_again(
    api: ProviderApiServer,
) -> None:
    api.script.append("hang")

    replies = send_batch(api.url(), readers_envelopes(campaign_messages(), 3), timeout=0.3).replies

    assert [r.code for r in replies] == [451] * 3 and "may have taken it" in replies[0].text


def test_a_mixed_batch_is_answered_in_order_each_campaign_in_a_request_of_its_own(
    api: ProviderApiServer,
) -> None:
    first = readers_envelopes(campaign_messages(7), 3)
    other = readers_envelopes(campaign_messages(9), 2, first=50)
    lone: Envelope = reader_message("confirm@readers.example.org", key=99)
    envelopes = [*first, lone, *other]

    result = send_batch(api.url(), envelopes)

    assert [r.code for r in result.replies] == [250] * 6
    sizes = [len(r.messages) for r in api.received]
    assert sizes == [3, 1, 2]
    assert api.received[1].messages[0].raw in (None, lone.data)


def test_each_readers_bounce_comes_back_by_the_webhook_to_their_own_message_id() -> None:
    """What the provider posts back per reader of a batch (SendGrid's custom args,
    Mailgun's user variables) is what the webhooks read our Message-ID from."""
    envelopes = readers_envelopes(campaign_messages(), 3)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    found: dict[str, list[str | None]] = {}
    for kind in KINDS:
        with provider_api(kind) as server:
            send_batch(server.url(), envelopes)
            (request,) = server.received
        found[kind] = []
        for made in request.messages:
            if kind == "sendgrid":
                posted = sendgrid_event(
                    "bounce", made.recipient, at=at, **made.expanded["custom_args"]
                )
                (event,) = sendgrid_hook.events(json.dumps([posted]).encode())
            else:
                data = mailgun_event("failed", made.recipient, at=at, severity="permanent")
                data["user-variables"] = {
                    "bulletin-message-id": made.expanded["v:bulletin-message-id"]
                }
                (event,) = mailgun_hook.read(
                    mailgun_body(data, at=at), signing_key=MAILGUN_KEY, now=at
                )
            found[kind].append(event.message_id)

    expected = [message_fields(e.data).message_id for e in envelopes]
    assert found == {"sendgrid": expected, "mailgun": expected}
    assert len(set(expected)) == 3
