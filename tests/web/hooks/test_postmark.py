"""POST /hooks/postmark over real HTTP: records behind basic auth, on both databases."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.hooks import basic, body, postmark_bounce, sent_reader, state
from tests.web.hooks.conftest import Hooked


def _post(hooked: Hooked, record: dict[str, Any], **auth: str) -> httpx.Response:
    return hooked.client.post("/hooks/postmark", content=body(record), headers=basic(**auth))


def test_a_hard_bounce_suppresses(hooked: Hooked) -> None:
    reader = sent_reader(hooked.ctx)
    content = f"Message-ID: <dsn.1@mx.example>\r\n\r\nMessage-ID: {reader.message_id}\r\n"
    record = postmark_bounce(reader.email, "HardBounce", at=hooked.ctx.clock(), content=content)
    response = _post(hooked, record)
    assert response.status_code == 200 and response.json()["recorded"] == 1
    after = state(hooked.ctx, reader)
    assert after.suppressed and after.events == {"bounce": 1}


def test_a_blocked_message_leaves_the_reader_alone(hooked: Hooked) -> None:
    reader = sent_reader(hooked.ctx)
    record = postmark_bounce(
        reader.email, "Blocked", at=hooked.ctx.clock(), details="smtp;554 blocked by policy"
    )
    _post(hooked, record)
    after = state(hooked.ctx, reader)
    assert not after.suppressed and after.lists == {"breaking": "confirmed"}


def test_a_spam_complaint_and_a_readers_own_unsubscribe(hooked: Hooked) -> None:
    complained, left = sent_reader(hooked.ctx), sent_reader(hooked.ctx)
    at = hooked.ctx.clock()
    complaint = {
        **postmark_bounce(complained.email, "SpamComplaint", at=at, record_id=91),
        "RecordType": "SpamComplaint",
    }
    change = {
        "RecordType": "SubscriptionChange",
        "MessageID": "a8c0e2a1-1b4e-4c1e-9f0e-4f2f7d1c2b3a",
        "Recipient": left.email,
        "ChangedAt": "2026-11-25T12:00:00Z",
        "Origin": "Recipient",
        "SuppressSending": True,
        "SuppressionReason": "ManualSuppression",
        "MessageStream": "broadcast",
    }
    assert _post(hooked, complaint).json()["recorded"] == 1
    assert _post(hooked, change).json()["recorded"] == 1
    assert state(hooked.ctx, complained).suppressed
    assert state(hooked.ctx, complained).lists == {"breaking": "unsubscribed"}
    after = state(hooked.ctx, left)
    assert not after.suppressed and after.lists == {"breaking": "unsubscribed"}
    assert after.consent_methods == ["opt-out"]


def test_a_replayed_record_changes_nothing(hooked: Hooked) -> None:
    reader = sent_reader(hooked.ctx)
    record = postmark_bounce(reader.email, "SoftBounce", at=hooked.ctx.clock(), record_id=5)
    assert _post(hooked, record).json()["recorded"] == 1
    assert _post(hooked, record).json()["duplicate"] == 1
    assert not state(hooked.ctx, reader).suppressed


def test_a_wrong_or_missing_password_is_asked_again_and_changes_nothing(hooked: Hooked) -> None:
    reader = sent_reader(hooked.ctx)
    record = postmark_bounce(reader.email, "HardBounce", at=hooked.ctx.clock())
    wrong = _post(hooked, record, password="a-long-webhook-password-43")
    bare = hooked.client.post("/hooks/postmark", content=body(record))
    for response in (wrong, bare):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Basic")
    assert not state(hooked.ctx, reader).suppressed


def test_a_body_that_is_no_record_is_refused_with_a_reason(hooked: Hooked) -> None:
    response = hooked.client.post("/hooks/postmark", content=b"[1, 2]", headers=basic())
    assert response.status_code == 400 and response.json()["error"]
