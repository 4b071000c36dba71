"""Amazon SES notifications read by SES's own definitions (the webhook intake reuses `read_ses`)."""

from __future__ import annotations

from typing import Any

import pytest

from bulletin.mail.returns import ReturnClass, read_ses
from bulletin.mail.returns.ses import notification_in

A = ReturnClass


def bounce(
    kind: str, subtype: str, status: str | None = None, diagnostic: str = ""
) -> dict[str, Any]:
    recipient: dict[str, Any] = {"emailAddress": "r@readers.example.org", "action": "failed"}
    if status:
        recipient["status"] = status
    if diagnostic:
        recipient["diagnosticCode"] = diagnostic
    return {
        "notificationType": "Bounce",
        "bounce": {"bounceType": kind, "bounceSubType": subtype, "bouncedRecipients": [recipient]},
        "mail": {"source": "bounces+c1.s2.k0123456789@news.example.com"},
    }


@pytest.mark.parametrize(
    ("notification", "cls"),
    [
        (bounce("Permanent", "General", "5.1.1", "smtp; 550 5.1.1 user unknown"), A.ADDRESS),
        (bounce("Permanent", "General"), A.ADDRESS),  # SES: remove the address
        (bounce("Permanent", "General", "5.7.26", "550 5.7.26 unauthenticated"), A.SENDER),
        (bounce("Permanent", "NoEmail", "5.1.1"), A.ADDRESS),
        (bounce("Permanent", "Suppressed", "5.1.1", "Amazon SES has suppressed sending"), A.SENDER),
        (bounce("Permanent", "OnAccountSuppressionList"), A.SENDER),
        (bounce("Permanent", "UnsubscribedRecipient"), A.OPT_OUT),
        (bounce("Transient", "General"), A.TEMPORARY),
        (bounce("Transient", "General", "5.1.1", "550 5.1.1 user unknown"), A.TEMPORARY),
        (bounce("Transient", "MailboxFull", "4.2.2"), A.MAILBOX),
        (bounce("Transient", "MessageTooLarge", "5.3.4"), A.SENDER),
        (bounce("Transient", "ContentRejected"), A.SENDER),
        (bounce("Transient", "AttachmentRejected"), A.SENDER),
        (bounce("Undetermined", "Undetermined"), A.UNKNOWN),
        ({"notificationType": "Delivery", "delivery": {"recipients": ["r@x.org"]}}, A.DELIVERED),
        ({"eventType": "DeliveryDelay", "deliveryDelay": {}}, A.TEMPORARY),
    ],
)
def test_each_bounce_type_means_what_ses_says(
    notification: dict[str, Any], cls: ReturnClass
) -> None:
    assert read_ses(notification).cls is cls


@pytest.mark.parametrize(
    ("complaint", "cls", "feedback_type"),
    [
        ({"complaintFeedbackType": "abuse"}, A.COMPLAINT, "abuse"),
        ({}, A.COMPLAINT, "abuse"),  # most providers give no type: a complaint all the same
        ({"complaintFeedbackType": "not-spam"}, A.REPORT, "not-spam"),
        ({"complaintFeedbackType": "auth-failure"}, A.REPORT, "auth-failure"),
        ({"complaintSubType": "OnAccountSuppressionList"}, A.REPORT, "abuse"),
    ],
)
def test_complaints_by_their_feedback_type(
    complaint: dict[str, Any], cls: ReturnClass, feedback_type: str
) -> None:
    found = read_ses({"notificationType": "Complaint", "complaint": complaint})

    assert (found.cls, found.feedback_type) == (cls, feedback_type)


def test_a_notification_is_found_alone_or_inside_the_sns_envelope() -> None:
    alone = '{"notificationType": "Delivery", "delivery": {}}'
    wrapped = '{"Type": "Notification", "Message": "{\\"eventType\\": \\"Bounce\\"}"}'

    assert notification_in(f"here it is:\n{alone}\n--\nfooter") == {
        "notificationType": "Delivery",
        "delivery": {},
    }
    assert notification_in(wrapped) == {"eventType": "Bounce"}
    assert notification_in('{"notificationType": "Open"}') is None
    assert notification_in('{"notificationType": ') is None
    assert notification_in("no json here") is None


def test_odd_shapes_are_read_without_raising() -> None:
    odd: list[dict[str, Any]] = [
        {"notificationType": "Bounce"},
        {"notificationType": "Bounce", "bounce": {"bouncedRecipients": "nobody"}},
        {"notificationType": "Bounce", "bounce": {"bouncedRecipients": [None]}},
        {"notificationType": "Complaint", "complaint": []},
    ]
    assert [read_ses(n).cls for n in odd] == [A.UNKNOWN, A.UNKNOWN, A.UNKNOWN, A.COMPLAINT]
