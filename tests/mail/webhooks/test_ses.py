"""Specifications for reading SES notifications: SES's documented bounce types, mapped."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bulletin.mail.returns import ReturnClass as C
from bulletin.mail.webhooks import ses
from bulletin.mail.webhooks.sns import SnsMessage
from tests.support.hooks import TOPIC, ses_bounce, ses_complaint, ses_delivery, ses_mail

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
READER = "Reader.One@Readers.example.org"
OURS = "<bulletin.c7.s42@news.example.com>"


def _sns(message: str) -> SnsMessage:
    return SnsMessage("Notification", "0f6e1c3a-sns-message", TOPIC, message, NOW)


@pytest.mark.parametrize(
    ("bounce_type", "subtype", "status", "diagnostic", "expected"),
    [
        ("Permanent", "General", "5.1.1", "smtp; 550 5.1.1 user unknown", C.ADDRESS),
        ("Permanent", "NoEmail", "5.1.1", "smtp; 550 5.1.1 no such mailbox", C.ADDRESS),
        ("Permanent", "Suppressed", "5.1.1", "Amazon SES has suppressed sending", C.SENDER),
        ("Permanent", "OnAccountSuppressionList", "5.1.1", "on the suppression list", C.SENDER),
        ("Transient", "MailboxFull", "5.2.2", "smtp; 552 5.2.2 mailbox full", C.MAILBOX),
        ("Transient", "General", "4.4.7", "smtp; 421 4.4.7 timed out", C.TEMPORARY),
        ("Transient", "MessageTooLarge", "5.3.4", "smtp; 552 5.3.4 too big", C.SENDER),
        ("Transient", "ContentRejected", "5.7.1", "smtp; 554 5.7.1 content", C.SENDER),
        ("Transient", "AttachmentRejected", "5.7.1", "smtp; 554 5.7.1 attachment", C.SENDER),
        # SES files Gmail's "your mail is unauthenticated" under Permanent/General:
        ("Permanent", "General", "5.7.26", "smtp; 550 5.7.26 unauthenticated mail", C.SENDER),
        ("Permanent", "General", "5.2.1", "smtp; 550 5.2.1 account disabled", C.MAILBOX),
        ("Permanent", "General", "5.0.0", "smtp; 550 rejected", C.ADDRESS),
        ("Undetermined", "Undetermined", "", "", C.UNKNOWN),
        ("Undetermined", "Undetermined", "5.1.1", "smtp; 550 5.1.1 user unknown", C.ADDRESS),
    ],
)
def test_each_bounce_type_has_its_documented_meaning(
    bounce_type: str, subtype: str, status: str, diagnostic: str, expected: C
) -> None:
    message = ses_bounce(READER, bounce_type, subtype, at=NOW, status=status, diagnostic=diagnostic)
    [event] = ses.events(_sns(message))
    assert event.cls is expected
    assert event.provider == "ses" and event.recipient == READER


def test_a_bounce_carries_its_status_diagnostic_and_our_message_id() -> None:
    message = ses_bounce(READER, "Permanent", "General", at=NOW, message_id=OURS)
    [event] = ses.events(_sns(message))
    assert event.status == "5.1.1"
    assert event.diagnostic is not None and "user unknown" in event.diagnostic
    assert event.message_id == OURS  # from the headers as we sent them, not SES's own id
    assert event.event_id == "0f6e1c3a-sns-message:reader.one@readers.example.org"
    assert event.occurred_at == NOW


def test_several_recipients_are_several_events_with_their_own_ids() -> None:
    data = json.loads(ses_bounce(READER, "Permanent", "General", at=NOW))
    data["bounce"]["bouncedRecipients"].append(
        {"emailAddress": "two@readers.example.org", "status": "5.1.1"}
    )
    events = ses.events(_sns(json.dumps(data)))
    assert [e.recipient for e in events] == [READER, "two@readers.example.org"]
    assert len({e.event_id for e in events}) == 2


@pytest.mark.parametrize(
    ("feedback_type", "subtype", "expected"),
    [
        ("abuse", None, C.COMPLAINT),
        ("fraud", None, C.COMPLAINT),
        ("virus", None, C.COMPLAINT),
        (None, None, C.COMPLAINT),  # Gmail's feedback loop names no type
        ("not-spam", None, C.REPORT),
        ("auth-failure", None, C.REPORT),
        (None, "OnAccountSuppressionList", C.SENDER),
    ],
)
def test_complaints_by_feedback_type(
    feedback_type: str | None, subtype: str | None, expected: C
) -> None:
    message = ses_complaint(READER, at=NOW, feedback_type=feedback_type, subtype=subtype)
    [event] = ses.events(_sns(message))
    assert event.cls is expected
    assert event.feedback_type == feedback_type


def test_a_delivery_is_a_delivery_never_a_bounce() -> None:
    [event] = ses.events(_sns(ses_delivery(READER, at=NOW)))
    assert event.cls is C.DELIVERED


def test_configuration_set_events_are_read_too() -> None:
    data = json.loads(ses_bounce(READER, "Permanent", "NoEmail", at=NOW))
    data["eventType"] = data.pop("notificationType")
    [event] = ses.events(_sns(json.dumps(data)))
    assert event.cls is C.ADDRESS
    reject = {
        "eventType": "Reject",
        "reject": {"reason": "Bad content"},
        "mail": ses_mail(READER, message_id=None, at=NOW),
    }
    [refused] = ses.events(_sns(json.dumps(reject)))
    assert refused.cls is C.SENDER
    opened = {"eventType": "Open", "open": {}, "mail": ses_mail(READER, message_id=None, at=NOW)}
    assert [e.cls for e in ses.events(_sns(json.dumps(opened)))] == [C.UNKNOWN]


def test_a_delivery_delay_is_temporary() -> None:
    delay = {
        "eventType": "DeliveryDelay",
        "deliveryDelay": {
            "timestamp": "2026-11-25T12:00:00.000Z",
            "delayType": "TransientCommunicationFailure",
            "delayedRecipients": [{"emailAddress": READER, "status": "4.4.1"}],
        },
        "mail": ses_mail(READER, message_id=None, at=NOW),
    }
    [event] = ses.events(_sns(json.dumps(delay)))
    assert event.cls is C.TEMPORARY
