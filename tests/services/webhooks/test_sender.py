"""The webhook sender against a real receiver on loopback: signing, back-off, leases, refusals."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from bulletin import metrics
from bulletin.domain.models import Role
from bulletin.domain.webhooks import DeliveryState, EventType
from bulletin.services.context import Context
from bulletin.services.webhooks import endpoints
from bulletin.services.webhooks.sender import LEASE, Sender, client
from bulletin.store.webhooks import outbox
from tests.support.factories import FakeClock, make_editor
from tests.support.webhook_receiver import WebhookReceiver

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    found = WebhookReceiver()
    yield found
    found.down()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with client(timeout=5) as found:
        yield found


def _loopback(ctx: Context) -> Context:
    return Context(ctx.settings.replace(webhook_allow_networks=LOOPBACK), ctx.db, clock=ctx.clock)


def _endpoint(ctx: Context, url: str) -> tuple[int, str]:
    admin = make_editor(ctx, role=Role.ADMIN)
    endpoint, secret = endpoints.add(
        ctx, url=url, description="", event_types=["reader.confirmed"], actor=admin
    )
    endpoints.send_test(ctx, endpoint.id, actor=admin)
    return endpoint.id, secret


def _log(ctx: Context, endpoint_id: int) -> list[outbox.DeliveryRecord]:
    with ctx.db.reading() as conn:
        return outbox.log(conn, endpoint_id)


def test_a_delivery_is_signed_so_that_standardwebhooks_verifies_it(
    ctx: Context, receiver: WebhookReceiver, http: httpx.Client
) -> None:
    ctx = _loopback(ctx)
    endpoint_id, secret = _endpoint(ctx, receiver.up().url)
    assert Sender(ctx, http).run_once() == 1
    (got,) = receiver.received
    document = Webhook(secret).verify(got.body, got.headers)
    assert document["type"] == EventType.TEST and document["data"]["endpoint_id"] == endpoint_id
    assert got.headers["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(got.body.replace(b"test", b"tset"), got.headers)
    (record,) = _log(ctx, endpoint_id)
    assert (record.state, record.attempts, record.last_status) == (DeliveryState.DELIVERED, 1, 204)


def test_failures_back_off_by_the_injected_clock_and_give_up_after_a_day(
    ctx: Context, clock: FakeClock, receiver: WebhookReceiver, http: httpx.Client
) -> None:
    ctx = _loopback(ctx)
    endpoint_id, _ = _endpoint(ctx, receiver.up(status=503).url)
    sender = Sender(ctx, http, jitter=lambda: 0.0)
    failed_before = metrics.WEBHOOKS.labels("failed")._value.get()
    assert sender.run_once() == 1
    (record,) = _log(ctx, endpoint_id)
    assert record.next_attempt_at == clock() + timedelta(seconds=30)
    assert record.last_error == "answered HTTP 503 Service Unavailable"
    clock.advance(seconds=29)
    assert sender.run_once() == 0  # not due yet
    clock.advance(seconds=1)
    assert sender.run_once() == 1
    assert _log(ctx, endpoint_id)[0].next_attempt_at == clock() + timedelta(seconds=60)
    for _ in range(5):  # 20 hours and a minute after the event: still trying
        clock.advance(hours=4)
        sender.run_once()
    assert _log(ctx, endpoint_id)[0].state is DeliveryState.QUEUED
    for _ in range(2):  # the last try comes at 24 h; then it has failed
        clock.advance(hours=4)
        sender.run_once()
    (record,) = _log(ctx, endpoint_id)
    assert record.state is DeliveryState.FAILED and record.next_attempt_at is None
    assert record.attempts == 8
    assert receiver.received == []  # a 503 is not delivery
    assert metrics.WEBHOOKS.labels("failed")._value.get() == failed_before + 1


def test_a_crashed_senders_delivery_is_sent_by_another_after_its_lease(
    ctx: Context, clock: FakeClock, receiver: WebhookReceiver, http: httpx.Client
) -> None:
    ctx = _loopback(ctx)
    _endpoint(ctx, receiver.up().url)
    with ctx.db.transaction() as conn:  # a sender claims, then dies before sending
        assert len(outbox.claim(conn, owner="dead", now=clock(), lease=LEASE, limit=10)) == 1
    survivor = Sender(ctx, http)
    assert survivor.run_once() == 0
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert survivor.run_once() == 1
    assert survivor.run_once() == 0
    assert len(receiver.received) == 1


def test_an_endpoint_whose_address_is_no_longer_allowed_is_not_sent_to(
    ctx: Context, receiver: WebhookReceiver, http: httpx.Client
) -> None:
    endpoint_id, _ = _endpoint(_loopback(ctx), receiver.up().url)
    assert Sender(ctx, http).run_once() == 1  # ctx: loopback no longer allowed
    assert receiver.received == []
    (record,) = _log(ctx, endpoint_id)
    assert record.state is DeliveryState.QUEUED and "loopback" in (record.last_error or "")


def test_a_redirect_is_not_followed(
    ctx: Context, receiver: WebhookReceiver, http: httpx.Client
) -> None:
    ctx = _loopback(ctx)
    endpoint_id, _ = _endpoint(ctx, receiver.up(status=307).url)
    Sender(ctx, http).run_once()
    (record,) = _log(ctx, endpoint_id)
    assert (record.state, record.last_status) == (DeliveryState.QUEUED, 307)


def test_the_body_sent_is_the_body_queued(
    ctx: Context, receiver: WebhookReceiver, http: httpx.Client
) -> None:
    ctx = _loopback(ctx)
    _endpoint(ctx, receiver.up().url)
    with ctx.db.reading() as conn:
        from sqlalchemy import select

        from bulletin.store.tables import webhook_deliveries

        queued = conn.execute(select(webhook_deliveries.c.payload)).scalar_one()
    Sender(ctx, http).run_once()
    assert receiver.received[0].body.decode() == queued
    assert "secret" not in json.loads(queued)["data"]
