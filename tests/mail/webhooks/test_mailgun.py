"""Specifications for Mailgun's webhooks: the HMAC signature, and the events mapped."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bulletin.domain.errors import MalformedWebhook, WebhookRefused
from bulletin.mail.returns import ReturnClass as C
from bulletin.mail.webhooks import mailgun
from tests.support.hooks import MAILGUN_KEY, mailgun_body, mailgun_event

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
READER = "reader@readers.example.org"


def _read(raw: bytes, now: datetime = NOW) -> list[Any]:
    return mailgun.read(raw, signing_key=MAILGUN_KEY, now=now)


def test_a_signed_event_is_read() -> None:
    [event] = _read(mailgun_body(mailgun_event("delivered", READER, at=NOW, id="mg-1"), at=NOW))
    assert (event.cls, event.event_id, event.recipient) == (C.DELIVERED, "mg-1", READER)
    assert event.message_id == "20261125120000.1.ABCDEF@mg.news.example.com"


def test_another_key_is_refused() -> None:
    raw = mailgun_body(mailgun_event("complained", READER, at=NOW), at=NOW, key="not-the-key")
    with pytest.raises(WebhookRefused, match="does not match"):
        _read(raw)


def test_a_signature_older_than_15_minutes_is_refused() -> None:
    old = NOW - timedelta(minutes=16)
    with pytest.raises(WebhookRefused, match="too old"):
        _read(mailgun_body(mailgun_event("complained", READER, at=old), at=old))


def test_changed_event_data_under_a_real_signature_is_refused() -> None:
    # Mailgun signs the timestamp and token, not the body: what protects the
    # event-data is that only Mailgun knows the key; a tampered signature block fails.
    data = json.loads(mailgun_body(mailgun_event("delivered", READER, at=NOW), at=NOW))
    data["signature"]["token"] = "0" * 50
    with pytest.raises(WebhookRefused):
        _read(json.dumps(data).encode())


def test_a_body_without_event_data_or_signature_is_refused() -> None:
    with pytest.raises(MalformedWebhook):
        _read(b'{"signature": {}}')
    with pytest.raises(WebhookRefused):
        _read(json.dumps({"event-data": mailgun_event("delivered", READER, at=NOW)}).encode())


def _cls(event: str, **fields: Any) -> C:
    [found] = _read(mailgun_body(mailgun_event(event, READER, at=NOW, **fields), at=NOW))
    return found.cls


def _failed(severity: str, reason: str, code: int, message: str) -> C:
    status = {"code": code, "message": message, "description": "", "attempt-no": 1}
    return _cls("failed", severity=severity, reason=reason, **{"delivery-status": status})


@pytest.mark.parametrize(
    ("severity", "reason", "code", "message", "expected"),
    [
        ("permanent", "bounce", 550, "5.1.1 The email account does not exist", C.ADDRESS),
        ("permanent", "bounce", 550, "No such user here", C.ADDRESS),
        ("permanent", "bounce", 550, "5.7.26 Unauthenticated email is not accepted", C.SENDER),
        ("permanent", "bounce", 552, "5.2.2 Mailbox full", C.MAILBOX),
        ("permanent", "generic", 550, "Rejected", C.UNKNOWN),
        (
            "permanent",
            "suppress-bounce",
            605,
            "Not delivering to previously bounced address",
            C.SENDER,
        ),
        (
            "permanent",
            "suppress-unsubscribe",
            607,
            "Not delivering to unsubscribed address",
            C.SENDER,
        ),
        (
            "permanent",
            "suppress-complaint",
            607,
            "Not delivering to a user who complained",
            C.SENDER,
        ),
        ("permanent", "esp-block", 0, "", C.SENDER),
        ("permanent", "old", 421, "Too old", C.TEMPORARY),
        ("temporary", "generic", 452, "4.2.2 Mailbox over quota", C.MAILBOX),
        ("temporary", "generic", 421, "4.7.0 Try again later, rate limited", C.SENDER),
        ("temporary", "greylisted", 451, "Greylisted, come back later", C.TEMPORARY),
    ],
)
def test_failures_by_severity_reason_and_code(
    severity: str, reason: str, code: int, message: str, expected: C
) -> None:
    assert _failed(severity, reason, code, message) is expected


def test_the_other_events() -> None:
    assert _cls("complained") is C.COMPLAINT
    assert _cls("unsubscribed") is C.OPT_OUT
    assert _cls("opened") is C.UNKNOWN
