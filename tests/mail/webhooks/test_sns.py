"""Specifications for SNS verification: topic, certificate URL, certificate, signature, age."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bulletin.domain.errors import MalformedWebhook, WebhookRefused
from bulletin.mail.webhooks.sns import SnsVerifier, canonical
from tests.support.hooks import CERT_URL, SUBSCRIBE_URL, TOPIC, SnsSigner, body

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def signer() -> SnsSigner:
    return SnsSigner(now=NOW)


def _verifier(signer: SnsSigner, now: datetime = NOW) -> SnsVerifier:
    signer.fetched.clear()
    return SnsVerifier((TOPIC,), fetch=signer.fetch, clock=lambda: now)


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_notification_signed_with_either_version_is_taken(
    signer: SnsSigner, version: str
) -> None:
    fields = signer.notification('{"notificationType": "Delivery"}', at=NOW, version=version)
    message = _verifier(signer).verify(body(fields))
    assert message.type == "Notification"
    assert message.message == '{"notificationType": "Delivery"}'
    assert message.topic_arn == TOPIC and message.message_id == fields["MessageId"]


def test_the_canonical_string_is_the_documented_one() -> None:
    fields = {
        "Type": "Notification",
        "MessageId": "m-1",
        "TopicArn": TOPIC,
        "Subject": "Hello",
        "Message": "line one\nline two",
        "Timestamp": "2026-11-25T12:00:00.000Z",
        "SignatureVersion": "1",
    }
    assert (
        canonical(fields)
        == (
            "Message\nline one\nline two\nMessageId\nm-1\nSubject\nHello\n"
            f"Timestamp\n2026-11-25T12:00:00.000Z\nTopicArn\n{TOPIC}\nType\nNotification\n"
        ).encode()
    )
    confirmation = {**fields, "Type": "SubscriptionConfirmation", "Token": "t", "SubscribeURL": "u"}
    assert (
        canonical(confirmation)
        == (
            "Message\nline one\nline two\nMessageId\nm-1\nSubscribeURL\nu\n"
            f"Timestamp\n2026-11-25T12:00:00.000Z\nToken\nt\nTopicArn\n{TOPIC}\n"
            "Type\nSubscriptionConfirmation\n"
        ).encode()
    )


def test_a_subscription_confirmation_names_its_subscribe_url(signer: SnsSigner) -> None:
    message = _verifier(signer).verify(body(signer.confirmation(at=NOW)))
    assert message.type == "SubscriptionConfirmation"
    assert message.subscribe_url == SUBSCRIBE_URL


def test_a_tampered_message_is_refused(signer: SnsSigner) -> None:
    fields = signer.notification('{"notificationType": "Delivery"}', at=NOW)
    fields["Message"] = '{"notificationType": "Complaint"}'
    with pytest.raises(WebhookRefused, match="signature does not match"):
        _verifier(signer).verify(body(fields))


def test_a_message_signed_by_another_key_is_refused() -> None:
    genuine, forger = SnsSigner(now=NOW), SnsSigner(now=NOW)
    fields = forger.notification("{}", at=NOW)  # same certificate URL, another key
    with pytest.raises(WebhookRefused, match="signature does not match"):
        _verifier(genuine).verify(body(fields))


def test_an_unknown_topic_is_refused_before_any_certificate_is_fetched(
    signer: SnsSigner,
) -> None:
    fields = signer.notification("{}", at=NOW, topic="arn:aws:sns:eu-west-1:999999999999:other")
    verifier = _verifier(signer)
    with pytest.raises(WebhookRefused, match="topic"):
        verifier.verify(body(fields))
    assert signer.fetched == []


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem",
        "https://evil.example/sns.eu-west-1.amazonaws.com/cert.pem",
        "http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-7f1c0e2b5d.pem",
        "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-7f1c0e2b5d.txt",
        "https://sns.eu-west-1.amazonaws.com:8443/SimpleNotificationService-7f1c0e2b5d.pem",
        "https://user@sns.eu-west-1.amazonaws.com/SimpleNotificationService-7f1c0e2b5d.pem",
    ],
)
def test_a_certificate_url_off_the_sns_hosts_is_refused_and_never_fetched(
    signer: SnsSigner, url: str
) -> None:
    fields = signer.notification("{}", at=NOW)
    fields["SigningCertURL"] = url
    verifier = _verifier(signer)
    with pytest.raises(WebhookRefused, match="not https on an Amazon SNS host"):
        verifier.verify(body(fields))
    assert signer.fetched == []


def test_china_regions_are_sns_hosts_too(signer: SnsSigner) -> None:
    url = "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem"
    signer.served[url] = signer.pem
    fields = signer.notification("{}", at=NOW)
    fields = signer.sign({k: v for k, v in fields.items() if k != "Signature"})
    fields["SigningCertURL"] = url  # not part of the signed string
    assert _verifier(signer).verify(body(fields)).type == "Notification"


def test_a_fetcher_serving_another_certificate_is_refused(signer: SnsSigner) -> None:
    other = SnsSigner(now=NOW)
    fields = signer.notification("{}", at=NOW)
    verifier = SnsVerifier((TOPIC,), fetch=lambda url: other.pem, clock=lambda: NOW)
    with pytest.raises(WebhookRefused, match="signature does not match"):
        verifier.verify(body(fields))


def test_something_that_is_not_a_certificate_is_refused(signer: SnsSigner) -> None:
    verifier = SnsVerifier((TOPIC,), fetch=lambda url: b"<html>hi</html>", clock=lambda: NOW)
    with pytest.raises(WebhookRefused, match="cannot be read"):
        verifier.verify(body(signer.notification("{}", at=NOW)))


def test_an_expired_certificate_is_refused(signer: SnsSigner) -> None:
    later = NOW + timedelta(days=400)
    fields = signer.notification("{}", at=later)
    with pytest.raises(WebhookRefused, match="expired"):
        _verifier(signer, now=later).verify(body(fields))


def test_the_certificate_is_fetched_once_and_kept(signer: SnsSigner) -> None:
    verifier = _verifier(signer)
    for _ in range(3):
        verifier.verify(body(signer.notification("{}", at=NOW)))
    assert signer.fetched == [CERT_URL]


@pytest.mark.parametrize("age", [timedelta(days=1, minutes=1), -timedelta(minutes=20)])
def test_a_message_older_than_a_day_or_from_the_future_is_refused(
    signer: SnsSigner, age: timedelta
) -> None:
    fields = signer.notification("{}", at=NOW - age)
    with pytest.raises(WebhookRefused, match="too old"):
        _verifier(signer).verify(body(fields))


def test_a_message_retried_hours_later_is_still_taken(signer: SnsSigner) -> None:
    fields = signer.notification("{}", at=NOW - timedelta(hours=20))
    assert _verifier(signer).verify(body(fields)).type == "Notification"


def test_a_subscribe_url_off_the_sns_hosts_is_refused(signer: SnsSigner) -> None:
    fields = signer.confirmation(at=NOW)
    fields["SubscribeURL"] = "https://evil.example/?Action=ConfirmSubscription"
    fields = signer.sign({k: v for k, v in fields.items() if k != "Signature"})
    with pytest.raises(WebhookRefused, match="SubscribeURL"):
        _verifier(signer).verify(body(fields))


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        json.dumps({"Type": "Surprise"}).encode(),
        json.dumps({"Type": "Notification"}).encode(),
    ],
)
def test_a_body_that_is_no_sns_message_is_malformed(signer: SnsSigner, raw: bytes) -> None:
    with pytest.raises(MalformedWebhook):
        _verifier(signer).verify(raw)


def test_an_unknown_signature_version_is_refused(signer: SnsSigner) -> None:
    fields = signer.notification("{}", at=NOW)
    fields["SignatureVersion"] = "3"
    with pytest.raises(WebhookRefused, match="version"):
        _verifier(signer).verify(body(fields))
