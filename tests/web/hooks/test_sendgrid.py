"""POST /hooks/sendgrid over real HTTP: signed Event Webhook batches, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.support.hooks import SendGridSigner, body, sendgrid_event, sent_reader, state
from tests.web.hooks.conftest import Hooked


def _post(hooked: Hooked, signer: SendGridSigner, events: list[dict[str, Any]]) -> httpx.Response:
    payload = body(events)
    headers = signer.headers(payload, at=hooked.ctx.clock())
    return hooked.client.post("/hooks/sendgrid", content=payload, headers=headers)


def test_one_batch_suppresses_refuses_and_unsubscribes_as_each_event_says(
    hooked: Hooked, sendgrid_signer: SendGridSigner
) -> None:
    gone, blocked, complained = (sent_reader(hooked.ctx) for _ in range(3))
    at = hooked.ctx.clock()
    batch = [
        sendgrid_event(
            "bounce",
            gone.email,
            at=at,
            smtp_id=gone.message_id,
            type="bounce",
            status="5.1.1",
            reason="550 5.1.1 user unknown",
            bounce_classification="Invalid Address",
        ),
        sendgrid_event(
            "bounce",
            blocked.email,
            at=at,
            smtp_id=blocked.message_id,
            type="blocked",
            status="5.7.1",
            reason="550 5.7.1 listed at a blocklist",
            bounce_classification="Reputation",
        ),
        sendgrid_event("spamreport", complained.email, at=at, smtp_id=complained.message_id),
        sendgrid_event("delivered", blocked.email, at=at, response="250 OK"),
        sendgrid_event("open", blocked.email, at=at),
    ]
    response = _post(hooked, sendgrid_signer, batch)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "events": 5,
        "recorded": 3,
        "duplicate": 0,
        "unmatched": 0,
        "ignored": 2,
    }
    assert state(hooked.ctx, gone).suppressed
    assert state(hooked.ctx, gone).events == {"bounce": 1}
    after_block = state(hooked.ctx, blocked)
    assert not after_block.suppressed and after_block.lists == {"breaking": "confirmed"}
    assert after_block.events == {"sender": 1}
    after_complaint = state(hooked.ctx, complained)
    assert after_complaint.suppressed and after_complaint.lists == {"breaking": "unsubscribed"}


def test_an_unsubscribe_for_a_campaign_leaves_that_campaigns_list(
    hooked: Hooked, sendgrid_signer: SendGridSigner
) -> None:
    reader = sent_reader(hooked.ctx, lists=["breaking", "morning-briefing"])
    at = hooked.ctx.clock()
    _post(
        hooked,
        sendgrid_signer,
        [sendgrid_event("unsubscribe", reader.email, at=at, smtp_id=reader.message_id)],
    )
    after = state(hooked.ctx, reader)
    assert after.lists == {"breaking": "unsubscribed", "morning-briefing": "confirmed"}
    assert after.consent_methods == ["opt-out"] and not after.suppressed
    assert after.events == {"unsubscribe": 1}


def test_an_unsubscribe_naming_no_campaign_leaves_every_list(
    hooked: Hooked, sendgrid_signer: SendGridSigner
) -> None:
    reader = sent_reader(hooked.ctx, lists=["breaking", "morning-briefing"])
    event = sendgrid_event("group_unsubscribe", reader.email, at=hooked.ctx.clock(), asm_group_id=7)
    _post(hooked, sendgrid_signer, [event])
    after = state(hooked.ctx, reader)
    assert after.lists == {"breaking": "unsubscribed", "morning-briefing": "unsubscribed"}


def test_a_replayed_batch_changes_nothing(hooked: Hooked, sendgrid_signer: SendGridSigner) -> None:
    reader = sent_reader(hooked.ctx)
    event = sendgrid_event(
        "spamreport", reader.email, at=hooked.ctx.clock(), smtp_id=reader.message_id
    )
    first = _post(hooked, sendgrid_signer, [event])
    hooked.ctx.clock.advance(minutes=5)  # type: ignore[attr-defined]
    again = _post(hooked, sendgrid_signer, [event])  # re-signed: SendGrid's own retry
    assert (first.json()["recorded"], again.json()["duplicate"]) == (1, 1)
    assert state(hooked.ctx, reader).events == {"complaint": 1}
    assert state(hooked.ctx, reader).consent_methods == ["complaint"]


def test_forged_tampered_or_stale_batches_change_nothing(
    hooked: Hooked, sendgrid_signer: SendGridSigner
) -> None:
    reader = sent_reader(hooked.ctx)
    at = hooked.ctx.clock()
    payload = body([sendgrid_event("spamreport", reader.email, at=at, smtp_id=reader.message_id)])
    forged = SendGridSigner().headers(payload, at=at)
    stale = sendgrid_signer.headers(payload, at=at - timedelta(minutes=16))
    genuine = sendgrid_signer.headers(body([]), at=at)  # a real signature of another body
    unsigned = {"Content-Type": "application/json"}
    for headers in (forged, stale, genuine, unsigned):
        response = hooked.client.post("/hooks/sendgrid", content=payload, headers=headers)
        assert response.status_code == 403, response.text
    after = state(hooked.ctx, reader)
    assert not after.suppressed and after.events == {} and after.lists == {"breaking": "confirmed"}


def test_a_signed_body_that_is_no_event_array_is_refused_with_a_reason(
    hooked: Hooked, sendgrid_signer: SendGridSigner
) -> None:
    payload = b'{"event": "bounce"}'
    headers = sendgrid_signer.headers(payload, at=hooked.ctx.clock())
    response = hooked.client.post("/hooks/sendgrid", content=payload, headers=headers)
    assert response.status_code == 400 and "event array" in response.json()["error"]
