"""The engine through each mail provider's API: a campaign sent, each receipt in the ledger."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.tables import deliveries, subscribers
from tests.support.engines import engine_for
from tests.support.factories import confirmed_reader, unique_email
from tests.support.providers import provider_api

ALERT = AlertDraft(
    headline="Parliament dissolved",
    summary="Elections follow in 60 days.",
    url="https://news.example.com/politics/dissolved",
)
KINDS = ["ses", "sendgrid", "mailgun", "postmark"]


def _ledger(ctx: Context, campaign_id: int) -> dict[str, tuple[str, str | None]]:
    query = (
        select(subscribers.c.email, deliveries.c.status, deliveries.c.last_reply)
        .join(subscribers, subscribers.c.id == deliveries.c.subscriber_id)
        .where(deliveries.c.campaign_id == campaign_id)
    )
    with ctx.db.transaction() as conn:
        return {row.email: (row.status, row.last_reply) for row in conn.execute(query)}


@pytest.mark.parametrize("kind", KINDS)
def test_a_campaign_goes_through_the_provider_and_the_ledger_keeps_its_message_ids(
    ctx: Context, kind: str
) -> None:
    emails = [unique_email() for _ in range(3)]
    for email in emails:
        confirmed_reader(ctx, email=email)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)

    with provider_api(kind) as api:
        engine_for(ctx, api.url()).run_until_idle()
        ours = f".bulletin.c{fired.campaign_id}.s"  # not the readers' confirmation requests
        received = [m for r in api.received for m in r.messages if ours in (m.message_id or "")]

    receipts = {m.recipient: m.receipt for m in received}
    assert sorted(receipts) == sorted(emails)
    assert _ledger(ctx, fired.campaign_id) == {
        email: ("sent", f"250 {receipts[email]}") for email in emails
    }
    assert len(received) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_a_reader_the_provider_refuses_fails_and_the_others_are_sent(
    ctx: Context, kind: str
) -> None:
    good, refused = unique_email(), unique_email()
    for email in (good, refused):
        confirmed_reader(ctx, email=email)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)

    with provider_api(kind) as api:
        api.refuse(refused)
        engine_for(ctx, api.url()).run_until_idle()

    ledger = _ledger(ctx, fired.campaign_id)
    assert ledger[good][0] == "sent"
    status, reply = ledger[refused]
    assert status == "failed" and reply is not None and reply[:3] in ("550", "554")


@pytest.mark.parametrize("kind", KINDS)
def test_a_throttled_send_waits_for_a_retry_instead_of_failing(ctx: Context, kind: str) -> None:
    email = unique_email()
    confirmed_reader(ctx, email=email)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)

    with provider_api(kind) as api:
        api.script.extend(["throttle"] * 10)  # the reader's confirmation request too
        engine_for(ctx, api.url()).run_until_idle()

    status, reply = _ledger(ctx, fired.campaign_id)[email]
    assert (status, reply is not None and reply.startswith("451")) == ("queued", True)


def _unsubscribe_links(text: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"<>]+/unsubscribe/[^\s\"<>]+", text))


@pytest.mark.parametrize("kind", ["sendgrid", "mailgun"])
def test_a_campaign_goes_in_batched_requests_each_reader_with_their_own_links(
    ctx: Context, kind: str
) -> None:
    emails = [unique_email() for _ in range(30)]
    ids = {email: confirmed_reader(ctx, email=email) for email in emails}
    fired = alerts.fire_alert(ctx, ALERT, actor=None)

    with provider_api(kind) as api:
        engine_for(ctx, api.url()).run_until_idle()
        ours = f".bulletin.c{fired.campaign_id}.s"
        batches = [r for r in api.received if any(ours in (m.message_id or "") for m in r.messages)]

    made = {m.recipient: m for r in batches for m in r.messages}
    assert sorted(made) == sorted(emails)
    assert len(batches) < len(emails)  # readers shared requests
    links = set()
    for email, message in made.items():
        expanded = message.expanded
        headers = (
            expanded["headers"]
            if kind == "sendgrid"
            else {k[2:]: v for k, v in expanded.items() if k.startswith("h:")}
        )
        (link,) = _unsubscribe_links(headers["List-Unsubscribe"])
        assert _unsubscribe_links(expanded["text"]) == {link}
        assert f"{ours}{ids[email]}.k" in headers["Message-ID"]
        links.add(link)
    assert len(links) == len(emails)
    assert {s for s, _ in _ledger(ctx, fired.campaign_id).values()} == {"sent"}
