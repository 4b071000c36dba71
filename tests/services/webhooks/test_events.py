"""Webhook events are queued with the change they report: once, in its transaction, or never."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bulletin.domain.models import AlertDraft, Role
from bulletin.domain.webhooks import SUBSCRIBABLE
from bulletin.mail.returns import ReturnClass as C
from bulletin.services.alerts import sending as alerts
from bulletin.services.campaigns import steering
from bulletin.services.context import Context
from bulletin.services.readers import preferences, returns, subscriptions
from bulletin.services.webhooks import endpoints
from bulletin.services.webhooks import events as webhook_events
from bulletin.store.tables import webhook_deliveries
from tests.support.factories import confirmed_reader, make_editor, unique_email, web_requester

ALERT = AlertDraft("Storm warning", "Gales expected overnight.", "https://n.example/storm")


@pytest.fixture
def hooked(ctx: Context) -> Context:
    """The context, with one endpoint that takes every event."""
    admin = make_editor(ctx, role=Role.ADMIN)
    endpoints.add(
        ctx,
        url="https://crm.example.org/hooks",
        description="",
        event_types=[t.value for t in SUBSCRIBABLE],
        actor=admin,
    )
    return ctx


def _queued(ctx: Context) -> list[dict[str, object]]:
    with ctx.db.reading() as conn:
        rows = conn.execute(select(webhook_deliveries.c.payload).order_by(webhook_deliveries.c.id))
        return [json.loads(payload) for payload in rows.scalars()]


def _types(ctx: Context) -> list[str]:
    return [str(doc["type"]) for doc in _queued(ctx)]


def test_confirming_queues_reader_confirmed_once_with_the_address_and_lists(
    hooked: Context,
) -> None:
    email = unique_email()
    signed = subscriptions.sign_up(
        hooked, email=email, list_slugs=["breaking", "special-reports"], requester=web_requester()
    )
    assert _queued(hooked) == []  # signing up confirms nothing
    token = hooked.tokens.confirm(signed.subscriber_id, signed.email)
    subscriptions.confirm(hooked, token, requester=web_requester())
    subscriptions.confirm(hooked, token, requester=web_requester())  # harmless, and silent
    (event,) = _queued(hooked)
    assert event["type"] == "reader.confirmed"
    assert event["data"] == {
        "reader": {"id": signed.subscriber_id, "email": email},
        "lists": ["breaking", "special-reports"],
    }


def test_leaving_in_the_preference_centre_queues_one_event_per_list(hooked: Context) -> None:
    email = unique_email()
    reader = confirmed_reader(hooked, ["breaking", "morning-briefing"], email=email)
    token = hooked.tokens.preferences(reader, email)
    preferences.leave_all(hooked, token, requester=web_requester())
    left = [doc["data"] for doc in _queued(hooked) if doc["type"] == "reader.unsubscribed"]
    assert sorted(d["list"] for d in left) == ["breaking", "morning-briefing"]  # type: ignore[index]
    assert {d["via"] for d in left} == {"preferences"}  # type: ignore[index]


def test_joining_a_list_in_the_preference_centre_confirms_it_at_once(hooked: Context) -> None:
    email = unique_email()
    reader = confirmed_reader(hooked, ["breaking"], email=email)
    token = hooked.tokens.preferences(reader, email)
    change = preferences.PreferenceChange(
        lists=["breaking", "special-reports"], topics=[], time_zone="", briefing_time="06:00"
    )
    preferences.update(hooked, token, change, requester=web_requester())
    confirmed = [doc["data"] for doc in _queued(hooked) if doc["type"] == "reader.confirmed"]
    assert [d["lists"] for d in confirmed] == [["breaking"], ["special-reports"]]  # type: ignore[index]


def test_a_change_rolled_back_queues_nothing(hooked: Context) -> None:
    reader = confirmed_reader(hooked)
    before = _types(hooked)
    with pytest.raises(RuntimeError), hooked.db.transaction() as conn:
        webhook_events.reader_unsubscribed(conn, reader, 1, via="desk", now=hooked.clock())
        raise RuntimeError("the change failed after the hook")
    assert _types(hooked) == before


def test_a_soft_bounce_is_mail_bounced_soft_and_suppresses_no_one(hooked: Context) -> None:
    reader = confirmed_reader(hooked)
    campaign = alerts.fire_alert(hooked, ALERT, actor=None).campaign_id
    item = returns.Classified(C.MAILBOX, "full", "mailbox full", "mail", reader, campaign)
    returns.apply(hooked, item)
    returns.apply(hooked, item)  # the same return again: not a second event
    bounced = [doc for doc in _queued(hooked) if doc["type"] == "mail.bounced"]
    assert [d["data"]["bounce"] for d in bounced] == ["soft"]  # type: ignore[index]
    assert bounced[0]["data"]["campaign_id"] == campaign  # type: ignore[index]
    assert "reader.suppressed" not in _types(hooked)


def test_a_campaign_cancelled_before_it_started_never_finished(hooked: Context) -> None:
    approving = Context(hooked.settings.replace(alert_approval=True), hooked.db, clock=hooked.clock)
    from bulletin.services.alerts import review

    proposer = make_editor(hooked)
    reviewed = review.review(approving, ALERT, actor=proposer)
    held = review.send_reviewed(approving, reviewed.token, actor=proposer)
    steering.cancel(hooked, held.campaign_id, actor=proposer)
    assert not {"campaign.started", "campaign.finished"} & set(_types(hooked))


def test_a_campaign_cancelled_while_sending_finished_as_cancelled(hooked: Context) -> None:
    confirmed_reader(hooked)
    campaign = alerts.fire_alert(hooked, ALERT, actor=None).campaign_id
    steering.cancel(hooked, campaign, actor=None)
    started, finished = (d for d in _queued(hooked) if str(d["type"]).startswith("campaign."))
    assert started["type"] == "campaign.started" and finished["type"] == "campaign.finished"
    data = finished["data"]
    assert data["status"] == "cancelled" and data["campaign"]["id"] == campaign  # type: ignore[index]
    assert data["campaign"]["list"] == "breaking"  # type: ignore[index]
    assert data["messages"] == {"sent": 0, "failed": 0}  # type: ignore[index]


def test_erasing_a_reader_removes_the_events_that_carry_their_address(hooked: Context) -> None:
    from bulletin.services.readers import rights

    email, other = unique_email(), unique_email()
    reader = confirmed_reader(hooked, email=email)
    confirmed_reader(hooked, email=other)
    alerts.fire_alert(hooked, ALERT, actor=None)
    rights.erase(hooked, reader, actor="admin@example.org")
    bodies = json.dumps(_queued(hooked))
    assert email not in bodies and other in bodies
    assert "campaign.started" in _types(hooked)  # events naming no reader stay


def test_a_complaint_is_mail_complained_suppressed_and_unsubscribed_everywhere(
    hooked: Context,
) -> None:
    email = unique_email()
    reader = confirmed_reader(hooked, ["breaking", "special-reports"], email=email)
    campaign = alerts.fire_alert(hooked, ALERT, actor=None).campaign_id
    before = len(_queued(hooked))
    item = returns.Classified(C.COMPLAINT, "arf-1", "abuse report", "mail", reader, campaign)
    returns.apply(hooked, item)
    new = _queued(hooked)[before:]
    by_type = {str(d["type"]): d["data"] for d in new}
    assert by_type["mail.complained"] == {
        "reader": {"id": reader, "email": email},
        "campaign_id": campaign,
    }
    assert by_type["reader.suppressed"]["reason"] == "complaint"  # type: ignore[index]
    left = sorted(d["data"]["list"] for d in new if d["type"] == "reader.unsubscribed")  # type: ignore[index]
    assert left == ["breaking", "special-reports"]
    assert len(new) == 4


def test_staff_taking_a_reader_off_a_list_is_reader_unsubscribed_via_desk(
    hooked: Context,
) -> None:
    from bulletin.services.readers import desk_actions

    reader = confirmed_reader(hooked, ["breaking"])
    desk_actions.unsubscribe(hooked, reader, "breaking", actor="admin@example.org")
    (left,) = [d["data"] for d in _queued(hooked) if d["type"] == "reader.unsubscribed"]
    assert (left["list"], left["via"]) == ("breaking", "desk")  # type: ignore[index]
