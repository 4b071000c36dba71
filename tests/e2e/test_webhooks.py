"""Done when: a webhook receiver on loopback gets every event once, signed, after being down.

Every event type is caused through the real use cases (sign-up and confirmation, an
unsubscribe link, a desk suppression, an alert sent and one approved by a second
editor, the engine sending them to the end, a bounce and a complaint through the
returns pipeline). The receiver is a real HTTP server on 127.0.0.1: first not
listening at all, then answering 503, then accepting. The sender's clock is moved past
each back-off; signatures are checked with standardwebhooks' own `Webhook.verify`.
"""

from __future__ import annotations

import ipaddress
import json
from collections import Counter

from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from bulletin.domain.models import AlertDraft, Role
from bulletin.domain.webhooks import SUBSCRIBABLE, DeliveryState, EventType
from bulletin.mail.returns import ReturnClass as C
from bulletin.services.alerts import review as alert_review
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.readers import desk_actions, returns, subscriptions
from bulletin.services.webhooks import endpoints
from bulletin.services.webhooks.sender import Sender, client
from bulletin.store import lists as list_store
from bulletin.store.tables import webhook_deliveries
from tests.support.engines import engine_for
from tests.support.factories import FakeClock, confirmed_reader, make_editor, web_requester
from tests.support.webhook_receiver import WebhookReceiver

ALERT = AlertDraft(
    "Dam gives way", "Villages downstream are told to leave.", "https://n.example/dam"
)


def _cause_every_event(ctx: Context) -> None:
    admin = make_editor(ctx, role=Role.ADMIN)
    leaving, bouncing, complaining = (confirmed_reader(ctx) for _ in range(3))  # reader.confirmed
    with ctx.db.reading() as conn:
        breaking = list_store.by_slugs(conn, ["breaking"])[0]
    token = ctx.tokens.unsubscribe(leaving, breaking.id)
    subscriptions.unsubscribe(ctx, token, requester=web_requester())  # reader.unsubscribed
    desk_actions.suppress(ctx, confirmed_reader(ctx), reason="asked us by phone", actor=admin.email)
    sent = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id  # campaign.started
    approving = Context(ctx.settings.replace(alert_approval=True), ctx.db, clock=ctx.clock)
    proposer, approver = make_editor(ctx), make_editor(ctx)
    reviewed = alert_review.review(approving, ALERT, actor=proposer)
    held = alert_review.send_reviewed(approving, reviewed.token, actor=proposer)
    alert_review.approve(approving, held.campaign_id, actor=approver)  # alert.approved
    engine_for(ctx, "memory").run_until_idle()  # campaign.finished, twice
    for cls, reader, key in ((C.ADDRESS, bouncing, "gone"), (C.COMPLAINT, complaining, "spam")):
        item = returns.Classified(cls, key, "test", "mail", reader, sent, actor="test")
        returns.apply(ctx, item)  # mail.bounced, mail.complained, reader.suppressed


def _queued_event_ids(ctx: Context) -> list[str]:
    with ctx.db.reading() as conn:
        return list(conn.execute(select(webhook_deliveries.c.event_id)).scalars())


def test_a_receiver_down_for_a_while_gets_every_event_once_signed(
    ctx: Context, clock: FakeClock
) -> None:
    ctx = Context(
        ctx.settings.replace(webhook_allow_networks=(ipaddress.ip_network("127.0.0.0/8"),)),
        ctx.db,
        clock=clock,
    )
    receiver = WebhookReceiver()  # not listening yet: connections are refused
    admin = make_editor(ctx, role=Role.ADMIN)
    endpoint, secret = endpoints.add(
        ctx,
        url=receiver.url,
        description="CRM",
        event_types=[t.value for t in SUBSCRIBABLE],
        actor=admin,
    )
    _cause_every_event(ctx)
    queued = _queued_event_ids(ctx)
    assert len(queued) == len(set(queued)) == 16

    with client(timeout=5) as http:
        sender = Sender(ctx, http, jitter=lambda: 0.0)
        attempted = 0
        while claimed := sender.run_once():  # refused: each is retried after its back-off
            attempted += claimed
        assert attempted == len(queued)  # and none came due again meanwhile
        receiver.up(status=503)
        for _ in range(3):  # down, then failing, for a few back-offs (30 s, 1 min, 2 min…)
            clock.advance(minutes=5)
            while sender.run_once():
                pass
        assert receiver.received == []
        receiver.up(status=204)
        clock.advance(minutes=30)
        while sender.run_once():
            pass
        assert sender.run_once() == 0
    receiver.down()

    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert Counter(ids) == Counter(queued)  # every event, each exactly once
    types = set()
    for each in receiver.received:
        document = Webhook(secret).verify(each.body, each.headers)  # raises if the signature fails
        assert document == json.loads(each.body)
        types.add(document["type"])
    assert types == {t.value for t in SUBSCRIBABLE}
    finished = [json.loads(r.body) for r in receiver.received]
    finished = [d for d in finished if d["type"] == EventType.CAMPAIGN_FINISHED]
    assert [d["data"]["status"] for d in finished] == ["sent", "sent"]
    assert sorted(d["data"]["messages"]["sent"] for d in finished) == [2, 2]
    log = endpoints.log(ctx, endpoint.id, viewer=admin, limit=100)
    assert {r.state for r in log} == {DeliveryState.DELIVERED}
    assert all(r.attempts >= 4 and r.last_status == 204 for r in log)
