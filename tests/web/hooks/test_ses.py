"""POST /hooks/ses over real HTTP: SES notifications through SNS, on both databases."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi.testclient import TestClient

from tests.support.hooks import (
    CERT_URL,
    SUBSCRIBE_URL,
    SnsSigner,
    body,
    sent_reader,
    ses_bounce,
    ses_complaint,
    ses_delivery,
    state,
)
from tests.web.hooks.conftest import Hooked


def _post(hooked: Hooked, fields: dict[str, str]) -> httpx.Response:
    return hooked.client.post(
        "/hooks/ses",
        content=body(fields),
        headers={"x-amz-sns-message-type": fields["Type"], "Content-Type": "text/plain"},
    )


def _notify(hooked: Hooked, signer: SnsSigner, message: str) -> dict[str, int]:
    response = _post(hooked, signer.notification(message, at=hooked.ctx.clock()))
    assert response.status_code == 200, response.text
    answer: dict[str, int] = response.json()
    return answer


def test_a_hard_bounce_suppresses_the_reader_and_counts_against_the_campaign(
    hooked: Hooked, sns_signer: SnsSigner
) -> None:
    reader = sent_reader(hooked.ctx)
    message = ses_bounce(
        reader.email, "Permanent", "General", at=hooked.ctx.clock(), message_id=reader.message_id
    )
    assert _notify(hooked, sns_signer, message)["recorded"] == 1
    after = state(hooked.ctx, reader)
    assert after.suppressed
    assert after.events == {"bounce": 1}
    assert after.lists == {"breaking": "confirmed"}  # suppressed, not unsubscribed


def test_the_same_notification_twice_counts_once(hooked: Hooked, sns_signer: SnsSigner) -> None:
    reader = sent_reader(hooked.ctx)
    message = ses_bounce(
        reader.email, "Permanent", "General", at=hooked.ctx.clock(), message_id=reader.message_id
    )
    fields = sns_signer.notification(message, at=hooked.ctx.clock(), version="2")
    first, again = _post(hooked, fields), _post(hooked, fields)
    assert first.json()["recorded"] == 1
    assert again.json() == {
        "events": 1,
        "recorded": 0,
        "duplicate": 1,
        "unmatched": 0,
        "ignored": 0,
    }
    assert state(hooked.ctx, reader).events == {"bounce": 1}


def test_sender_side_refusals_leave_the_reader_subscribed(
    hooked: Hooked, sns_signer: SnsSigner
) -> None:
    reader = sent_reader(hooked.ctx)
    clock = hooked.ctx.clock()
    refusals = [
        ses_bounce(reader.email, "Permanent", "Suppressed", at=clock, message_id=reader.message_id),
        ses_bounce(
            reader.email,
            "Permanent",
            "OnAccountSuppressionList",
            at=clock,
            message_id=reader.message_id,
        ),
        ses_bounce(
            reader.email,
            "Permanent",
            "General",
            at=clock,
            status="5.7.26",
            diagnostic="smtp; 550-5.7.26 This mail is unauthenticated",
            message_id=reader.message_id,
        ),
        ses_complaint(
            reader.email, at=clock, subtype="OnAccountSuppressionList", feedback_type=None
        ),
    ]
    for message in refusals:
        assert _notify(hooked, sns_signer, message)["recorded"] == 1
    after = state(hooked.ctx, reader)
    assert not after.suppressed and after.lists == {"breaking": "confirmed"}
    assert after.events == {"sender": 3}  # the complaint-less refusal names no campaign


def test_a_complaint_suppresses_and_unsubscribes_from_every_list(
    hooked: Hooked, sns_signer: SnsSigner
) -> None:
    reader = sent_reader(hooked.ctx, lists=["breaking", "morning-briefing"])
    message = ses_complaint(reader.email, at=hooked.ctx.clock(), message_id=reader.message_id)
    _notify(hooked, sns_signer, message)
    after = state(hooked.ctx, reader)
    assert after.suppressed
    assert after.lists == {"breaking": "unsubscribed", "morning-briefing": "unsubscribed"}
    assert after.consent_methods == ["complaint", "complaint"]
    assert after.events == {"complaint": 1}


def test_not_spam_and_auth_failure_reports_touch_no_one(
    hooked: Hooked, sns_signer: SnsSigner
) -> None:
    reader = sent_reader(hooked.ctx)
    for feedback_type in ("not-spam", "auth-failure"):
        message = ses_complaint(
            reader.email,
            at=hooked.ctx.clock(),
            feedback_type=feedback_type,
            message_id=reader.message_id,
        )
        _notify(hooked, sns_signer, message)
    after = state(hooked.ctx, reader)
    assert not after.suppressed and after.lists == {"breaking": "confirmed"}
    assert after.events == {"report": 2}


def test_a_full_mailbox_is_a_soft_bounce_only(hooked: Hooked, sns_signer: SnsSigner) -> None:
    reader = sent_reader(hooked.ctx)
    message = ses_bounce(
        reader.email,
        "Transient",
        "MailboxFull",
        at=hooked.ctx.clock(),
        status="5.2.2",
        diagnostic="smtp; 552 5.2.2 mailbox full",
        message_id=reader.message_id,
    )
    _notify(hooked, sns_signer, message)
    after = state(hooked.ctx, reader)
    assert not after.suppressed and after.events == {"soft_bounce": 1}


def test_a_delivery_notice_is_ignored(hooked: Hooked, sns_signer: SnsSigner) -> None:
    reader = sent_reader(hooked.ctx)
    assert (
        _notify(hooked, sns_signer, ses_delivery(reader.email, at=hooked.ctx.clock()))["ignored"]
        == 1
    )
    assert state(hooked.ctx, reader).events == {}


def test_a_bounce_for_someone_we_do_not_know_changes_nothing(
    hooked: Hooked, sns_signer: SnsSigner
) -> None:
    message = ses_bounce(
        "stranger@elsewhere.example", "Permanent", "General", at=hooked.ctx.clock()
    )
    assert _notify(hooked, sns_signer, message)["unmatched"] == 1


def test_a_message_id_naming_a_campaign_the_reader_never_got_names_none(
    hooked: Hooked, sns_signer: SnsSigner
) -> None:
    reader = sent_reader(hooked.ctx)
    forged_id = f"<bulletin.c{reader.campaign_id + 40}.s{reader.subscriber_id}@news.example.com>"
    message = ses_bounce(
        reader.email, "Permanent", "General", at=hooked.ctx.clock(), message_id=forged_id
    )
    _notify(hooked, sns_signer, message)
    after = state(hooked.ctx, reader)
    assert after.suppressed and after.events == {}  # the bounce is recorded without a campaign


def test_forged_replayed_late_or_foreign_messages_change_nothing(
    hooked: Hooked, sns_signer: SnsSigner
) -> None:
    reader = sent_reader(hooked.ctx)
    now = hooked.ctx.clock()
    message = ses_complaint(reader.email, at=now, message_id=reader.message_id)
    tampered = sns_signer.notification(ses_delivery(reader.email, at=now), at=now)
    tampered["Message"] = message
    stale = sns_signer.notification(message, at=now - timedelta(days=2))
    foreign = sns_signer.notification(message, at=now, topic="arn:aws:sns:eu-west-1:999999999999:x")
    elsewhere = sns_signer.notification(message, at=now)
    elsewhere["SigningCertURL"] = "https://certs.example.org/SimpleNotificationService.pem"
    forger = SnsSigner().notification(message, at=now)  # a key that is not SNS's
    for fields in (tampered, stale, foreign, elsewhere, forger):
        response = _post(hooked, fields)
        assert response.status_code == 403, response.text
    after = state(hooked.ctx, reader)
    assert not after.suppressed and after.events == {} and after.lists == {"breaking": "confirmed"}
    assert set(sns_signer.fetched) <= {CERT_URL}


def test_a_subscription_confirmation_visits_its_subscribe_url(
    hooked: Hooked, sns_signer: SnsSigner
) -> None:
    response = _post(hooked, sns_signer.confirmation(at=hooked.ctx.clock()))
    assert response.status_code == 200
    assert response.json()["confirmed"] is True
    assert hooked.visited == [SUBSCRIBE_URL]


def test_a_confirmation_for_another_topic_is_not_confirmed(
    hooked: Hooked, sns_signer: SnsSigner
) -> None:
    fields = sns_signer.confirmation(
        at=hooked.ctx.clock(), topic="arn:aws:sns:eu-west-1:999999999999:other"
    )
    assert _post(hooked, fields).status_code == 403
    assert hooked.visited == []


def test_bodies_that_are_not_sns_messages_are_refused_with_a_reason(hooked: Hooked) -> None:
    for raw in (b"hello", b"{}", b'{"Type": "Notification"}'):
        response = hooked.client.post("/hooks/ses", content=raw)
        assert response.status_code == 400 and response.json()["error"]
    big = hooked.client.post("/hooks/ses", content=b"x" * (1024 * 1024 + 1))
    assert big.status_code == 413


def test_without_topics_there_is_no_endpoint(client: TestClient) -> None:
    for provider in ("ses", "sendgrid", "mailgun", "postmark"):
        assert client.post(f"/hooks/{provider}", content=b"{}").status_code == 404
