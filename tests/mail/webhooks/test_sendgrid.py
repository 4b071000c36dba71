"""Specifications for SendGrid's Event Webhook: the signature, and the events mapped."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bulletin.domain.errors import ConfigurationError, MalformedWebhook, WebhookRefused
from bulletin.mail.returns import ReturnClass as C
from bulletin.mail.webhooks import sendgrid
from tests.support.hooks import SendGridSigner, body, sendgrid_event

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
READER = "reader@readers.example.org"


@pytest.fixture(scope="module")
def signer() -> SendGridSigner:
    return SendGridSigner()


def _verify(
    signer: SendGridSigner, payload: bytes, headers: dict[str, str], now: datetime = NOW
) -> None:
    sendgrid.verify(
        payload,
        signature=headers.get("X-Twilio-Email-Event-Webhook-Signature"),
        timestamp=headers.get("X-Twilio-Email-Event-Webhook-Timestamp"),
        key=sendgrid.public_key(signer.key),
        now=now,
    )


def test_a_body_signed_with_the_key_sendgrid_shows_is_taken(signer: SendGridSigner) -> None:
    payload = body([sendgrid_event("delivered", READER, at=NOW)])
    _verify(signer, payload, signer.headers(payload, at=NOW))


def test_a_changed_body_is_refused(signer: SendGridSigner) -> None:
    payload = body([sendgrid_event("delivered", READER, at=NOW)])
    headers = signer.headers(payload, at=NOW)
    with pytest.raises(WebhookRefused, match="does not match"):
        _verify(signer, payload.replace(b"delivered", b"spamreport"), headers)


def test_another_key_is_refused(signer: SendGridSigner) -> None:
    payload = body([sendgrid_event("delivered", READER, at=NOW)])
    with pytest.raises(WebhookRefused, match="does not match"):
        _verify(signer, payload, SendGridSigner().headers(payload, at=NOW))


def test_a_signature_older_than_15_minutes_is_refused(signer: SendGridSigner) -> None:
    payload = body([sendgrid_event("delivered", READER, at=NOW)])
    headers = signer.headers(payload, at=NOW - timedelta(minutes=16))
    with pytest.raises(WebhookRefused, match="too old"):
        _verify(signer, payload, headers)


@pytest.mark.parametrize("missing", ["Signature", "Timestamp"])
def test_a_request_without_the_headers_is_refused(signer: SendGridSigner, missing: str) -> None:
    payload = body([])
    headers = signer.headers(payload, at=NOW)
    del headers[f"X-Twilio-Email-Event-Webhook-{missing}"]
    with pytest.raises(WebhookRefused):
        _verify(signer, payload, headers)


def test_a_key_that_is_not_an_ec_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        sendgrid.public_key("bm90IGEga2V5")


def _cls(event: str, **fields: Any) -> C:
    [found] = sendgrid.events(body([sendgrid_event(event, READER, at=NOW, **fields)]))
    return found.cls


@pytest.mark.parametrize(
    ("classification", "kind", "status", "reason", "expected"),
    [
        ("Invalid Address", "bounce", "5.1.1", "550 5.1.1 user unknown", C.ADDRESS),
        ("Mailbox Unavailable", "bounce", "5.2.2", "552 5.2.2 mailbox full", C.MAILBOX),
        ("Technical Failure", "blocked", "4.4.1", "421 timed out", C.TEMPORARY),
        ("Content", "bounce", "5.7.1", "554 5.7.1 content rejected", C.SENDER),
        ("Reputation", "blocked", "5.7.1", "550 5.7.1 listed at a blocklist", C.SENDER),
        ("Frequency or Volume Too High", "blocked", "4.7.0", "421 4.7.0 rate", C.SENDER),
        ("Unclassified", "bounce", "5.7.26", "550 5.7.26 unauthenticated", C.SENDER),
        ("Unclassified", "bounce", "5.0.0", "550 no such user", C.ADDRESS),
        ("Unclassified", "bounce", "5.0.0", "550 rejected", C.UNKNOWN),
        ("Unclassified", "blocked", "4.0.0", "421 try later", C.TEMPORARY),
    ],
)
def test_bounces_by_their_classification(
    classification: str, kind: str, status: str, reason: str, expected: C
) -> None:
    fields = {
        "bounce_classification": classification,
        "type": kind,
        "status": status,
        "reason": reason,
    }
    assert _cls("bounce", **fields) is expected


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("Bounced Address", C.SENDER),  # SendGrid's own suppression list
        ("Unsubscribed Address", C.SENDER),
        ("Spam Reporting Address", C.SENDER),
        ("Invalid SMTPAPI header", C.SENDER),
        ("Invalid", C.ADDRESS),
    ],
)
def test_dropped_messages(reason: str, expected: C) -> None:
    assert _cls("dropped", reason=reason) is expected


def test_the_other_events() -> None:
    assert _cls("delivered", response="250 OK") is C.DELIVERED
    assert _cls("deferred", response="451 4.3.0 try again", attempt="3") is C.TEMPORARY
    assert _cls("deferred", response="421 4.7.0 too many messages") is C.SENDER
    assert _cls("spamreport") is C.COMPLAINT
    assert _cls("unsubscribe") is C.OPT_OUT
    assert _cls("group_unsubscribe", asm_group_id=1) is C.OPT_OUT
    assert _cls("open", useragent="Mozilla/5.0") is C.UNKNOWN


def test_an_event_carries_its_ids() -> None:
    item = sendgrid_event(
        "bounce", READER, at=NOW, sg_event_id="sg-1", smtp_id="<bulletin.c1.s2@news.example.com>"
    )
    [event] = sendgrid.events(body([item]))
    assert (event.event_id, event.message_id, event.occurred_at) == (
        "sg-1",
        "<bulletin.c1.s2@news.example.com>",
        NOW,
    )


def test_a_body_that_is_no_event_array_is_malformed() -> None:
    with pytest.raises(MalformedWebhook):
        sendgrid.events(json.dumps({"event": "bounce"}).encode())
    assert sendgrid.events(body([{"event": "bounce"}, "odd", 3])) == []
