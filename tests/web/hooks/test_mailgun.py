"""POST /hooks/mailgun over real HTTP: signed event-data, on both databases."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx

from tests.support.hooks import mailgun_body, mailgun_event, sent_reader, state
from tests.web.hooks.conftest import Hooked


def _post(hooked: Hooked, raw: bytes) -> httpx.Response:
    return hooked.client.post(
        "/hooks/mailgun", content=raw, headers={"Content-Type": "application/json"}
    )


def _failed(severity: str, reason: str, message: str) -> dict[str, Any]:
    return {
        "severity": severity,
        "reason": reason,
        "delivery-status": {"code": 550, "message": message, "description": "", "attempt-no": 1},
    }


def test_a_permanent_failure_for_a_gone_address_suppresses(hooked: Hooked) -> None:
    reader = sent_reader(hooked.ctx)
    at = hooked.ctx.clock()
    event = mailgun_event(
        "failed",
        reader.email,
        at=at,
        message_id=reader.message_id.strip("<>"),
        **_failed("permanent", "bounce", "5.1.1 The email account does not exist"),
    )
    response = _post(hooked, mailgun_body(event, at=at))
    assert response.status_code == 200 and response.json()["recorded"] == 1
    after = state(hooked.ctx, reader)
    assert after.suppressed and after.events == {"bounce": 1}


def test_mailguns_own_suppression_list_is_the_senders_business(hooked: Hooked) -> None:
    reader = sent_reader(hooked.ctx)
    at = hooked.ctx.clock()
    event = mailgun_event(
        "failed",
        reader.email,
        at=at,
        message_id=reader.message_id.strip("<>"),
        **_failed("permanent", "suppress-bounce", "Not delivering to previously bounced address"),
    )
    _post(hooked, mailgun_body(event, at=at))
    after = state(hooked.ctx, reader)
    assert not after.suppressed and after.events == {"sender": 1}


def test_complaints_and_unsubscribes(hooked: Hooked) -> None:
    complained, left = sent_reader(hooked.ctx), sent_reader(hooked.ctx)
    at = hooked.ctx.clock()
    for kind, reader in (("complained", complained), ("unsubscribed", left)):
        event = mailgun_event(kind, reader.email, at=at, message_id=reader.message_id.strip("<>"))
        assert _post(hooked, mailgun_body(event, at=at)).json()["recorded"] == 1
    assert state(hooked.ctx, complained).suppressed
    assert state(hooked.ctx, complained).consent_methods == ["complaint"]
    after = state(hooked.ctx, left)
    assert not after.suppressed and after.lists == {"breaking": "unsubscribed"}
    assert after.consent_methods == ["opt-out"] and after.events == {"unsubscribe": 1}


def test_a_replayed_event_changes_nothing(hooked: Hooked) -> None:
    reader = sent_reader(hooked.ctx)
    at = hooked.ctx.clock()
    raw = mailgun_body(mailgun_event("complained", reader.email, at=at, id="mg-ev-1"), at=at)
    assert _post(hooked, raw).json()["recorded"] == 1
    assert _post(hooked, raw).json()["duplicate"] == 1
    assert state(hooked.ctx, reader).consent_methods == ["complaint"]


def test_forged_stale_or_unsigned_events_change_nothing(hooked: Hooked) -> None:
    reader = sent_reader(hooked.ctx)
    at = hooked.ctx.clock()
    event = mailgun_event("complained", reader.email, at=at)
    forged = mailgun_body(event, at=at, key="someone-elses-key")
    stale = mailgun_body(event, at=at - timedelta(minutes=16))
    unsigned = json.dumps({"event-data": event}).encode()
    for raw in (forged, stale, unsigned):
        assert _post(hooked, raw).status_code == 403
    after = state(hooked.ctx, reader)
    assert not after.suppressed and after.lists == {"breaking": "confirmed"}


def test_a_body_that_is_no_webhook_is_refused_with_a_reason(hooked: Hooked) -> None:
    response = _post(hooked, b'{"signature": {}}')
    assert response.status_code == 400 and "event-data" in response.json()["error"]
