"""Specifications for Postmark's webhooks: basic auth, and its records mapped."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from bulletin.domain.errors import MalformedWebhook, WebhookRefused
from bulletin.mail.returns import ReturnClass as C
from bulletin.mail.webhooks import postmark
from tests.support.hooks import POSTMARK_PASSWORD, POSTMARK_USER, basic, body, postmark_bounce

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
READER = "reader@readers.example.org"


def _verify(authorization: str | None) -> None:
    postmark.verify(authorization, user=POSTMARK_USER, password=POSTMARK_PASSWORD)


def test_the_configured_user_and_password_are_taken() -> None:
    _verify(basic()["Authorization"])


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        basic(password="a-long-webhook-password-43")["Authorization"],
        basic(user="someone-else")["Authorization"],
        "Bearer " + base64.b64encode(f"{POSTMARK_USER}:{POSTMARK_PASSWORD}".encode()).decode(),
        "Basic not-base64!",
        "Basic " + base64.b64encode(POSTMARK_USER.encode()).decode(),
    ],
)
def test_anything_else_is_refused(authorization: str | None) -> None:
    with pytest.raises(WebhookRefused):
        _verify(authorization)


def _cls(record: dict[str, Any]) -> C:
    [event] = postmark.events(body(record))
    return event.cls


@pytest.mark.parametrize(
    ("bounce_type", "expected"),
    [
        ("HardBounce", C.ADDRESS),
        ("BadEmailAddress", C.ADDRESS),
        ("SoftBounce", C.MAILBOX),
        ("Transient", C.TEMPORARY),
        ("DnsError", C.TEMPORARY),
        ("SpamNotification", C.SENDER),
        ("Blocked", C.SENDER),
        ("DMARCPolicy", C.SENDER),
        ("ManuallyDeactivated", C.SENDER),
        ("SpamComplaint", C.COMPLAINT),
        ("Unsubscribe", C.OPT_OUT),
        ("AutoResponder", C.REPORT),
        ("ChallengeVerification", C.REPORT),
        ("Unconfirmed", C.UNKNOWN),
    ],
)
def test_bounce_types_have_their_documented_meaning(bounce_type: str, expected: C) -> None:
    assert _cls(postmark_bounce(READER, bounce_type, at=NOW)) is expected


def test_a_hard_bounce_for_a_policy_reason_is_the_senders_problem() -> None:
    details = "smtp;550 5.7.26 This mail has been blocked because the sender is unauthenticated."
    assert _cls(postmark_bounce(READER, "HardBounce", at=NOW, details=details)) is C.SENDER


def test_an_unknown_bounce_is_read_by_its_details() -> None:
    record = postmark_bounce(READER, "Unknown", at=NOW, details="smtp;550 5.1.1 user unknown")
    assert _cls(record) is C.ADDRESS


def test_a_bounce_carries_its_id_and_the_quoted_message_id() -> None:
    content = (
        "Message-ID: <dsn.12345@mx.readers.example.org>\r\nSubject: Undeliverable\r\n\r\n"
        "--boundary\r\nContent-Type: message/rfc822\r\n\r\n"
        "Message-ID: <bulletin.c3.s9@news.example.com>\r\nSubject: Storm\r\n"
    )
    record = postmark_bounce(READER, "HardBounce", at=NOW, record_id=77, content=content)
    [event] = postmark.events(body(record))
    assert event.event_id == "77:Bounce"
    assert event.message_id == "<bulletin.c3.s9@news.example.com>"
    assert event.status == "5.1.1" and event.occurred_at == NOW


def test_the_other_records() -> None:
    complaint = {**postmark_bounce(READER, "SpamComplaint", at=NOW), "RecordType": "SpamComplaint"}
    assert _cls(complaint) is C.COMPLAINT
    delivery = {
        "RecordType": "Delivery",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Recipient": READER,
        "DeliveredAt": "2026-11-25T12:00:00Z",
        "Details": "smtp;250 2.0.0 OK",
        "ServerID": 23,
        "MessageStream": "outbound",
    }
    assert _cls(delivery) is C.DELIVERED
    left = {
        "RecordType": "SubscriptionChange",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Recipient": READER,
        "ChangedAt": "2026-11-25T12:00:00Z",
        "Origin": "Recipient",
        "SuppressSending": True,
        "SuppressionReason": "ManualSuppression",
        "MessageStream": "broadcast",
    }
    assert _cls(left) is C.OPT_OUT
    assert _cls({**left, "Origin": "Customer"}) is C.REPORT  # the newsroom's act, not consent
    assert _cls({**left, "SuppressionReason": "HardBounce"}) is C.REPORT  # its own record comes
    assert _cls({**left, "SuppressSending": False}) is C.REPORT


def test_a_body_that_is_no_record_is_malformed() -> None:
    with pytest.raises(MalformedWebhook):
        postmark.events(b"[]")
    with pytest.raises(MalformedWebhook):
        postmark.events(b'{"Type": "HardBounce"}')
