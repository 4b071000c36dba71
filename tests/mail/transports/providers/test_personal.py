"""Grouping a batch into personalised requests, and a template's fields read once."""

from __future__ import annotations

from bulletin.mail.transports import Envelope
from bulletin.mail.transports.providers.fields import message_fields
from bulletin.mail.transports.providers.personal import runs, shared
from tests.support.campaign_mail import campaign_messages, readers_envelopes
from tests.support.providers import reader_message


def _keys(found: list[list[Envelope]]) -> list[list[int]]:
    return [[envelope.key for envelope in run] for run in found]


def test_consecutive_envelopes_of_one_template_make_one_run_up_to_the_limit() -> None:
    envelopes = readers_envelopes(campaign_messages(), 7)

    assert _keys(list(runs(envelopes, limit=3))) == [[1, 2, 3], [4, 5, 6], [7]]


def test_another_template_or_an_envelope_without_one_starts_a_new_run() -> None:
    first = readers_envelopes(campaign_messages(7), 2)
    other = readers_envelopes(campaign_messages(9), 2, first=10)
    lone = reader_message("lone@readers.example.org", key=50)

    found = runs([*first, lone, *other, *first], limit=1000)

    assert _keys(list(found)) == [[1, 2], [50], [10, 11], [1, 2]]


def test_a_recipient_twice_in_a_run_starts_a_new_run() -> None:
    messages = campaign_messages()
    same = messages.envelope(key=2, subscriber_id=1, email="READER1@readers.example.org")

    found = runs([*readers_envelopes(messages, 1), same], limit=1000)

    assert _keys(list(found)) == [[1], [2]]


def test_a_readers_values_in_the_template_give_the_message_they_are_sent() -> None:
    (envelope,) = readers_envelopes(campaign_messages(8, thread=(7,)), 1)
    assert envelope.template is not None

    filled = envelope.template.source
    for (_, placeholder), value in zip(envelope.template.slots, envelope.values, strict=False):
        filled = filled.replace(placeholder.encode(), value)

    assert filled == envelope.data


def test_the_shared_fields_split_what_differs_per_reader_from_what_does_not() -> None:
    (envelope,) = readers_envelopes(campaign_messages(8, thread=(7,)), 1)
    assert envelope.template is not None

    found = shared(envelope.template)

    assert [name for name, _ in found.own_headers] == [
        "Message-ID",
        "In-Reply-To",
        "References",
        "List-Unsubscribe",
    ]
    assert found.own(envelope.values) == {
        name: value
        for name, value in message_fields(envelope.data).headers
        if name in dict(found.own_headers)
    }
    assert [found.slots[i][0] for i in found.body_slots] == ["token", "preferences"]
    assert shared(envelope.template) is found  # read once per template
