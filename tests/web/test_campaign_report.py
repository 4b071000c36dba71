"""The campaign report page: ledger counts, returned-mail events, and sends per minute in SVG."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from bulletin.domain.models import AlertDraft, DeliveryStatus, Role
from bulletin.mail.returns import ReturnClass
from bulletin.services.alerts import sending as alerts
from bulletin.services.campaigns import reports
from bulletin.services.context import Context
from bulletin.services.readers import bounces, returns, subscriptions
from bulletin.store.ledger import outcomes
from bulletin.store.tables import deliveries, subscribers
from tests.support.factories import FakeClock, confirmed_reader, make_editor, web_requester
from tests.support.returns import returned_mail
from tests.support.web import sign_in

PASSWORD = "a-long-password-1"
ALERT = AlertDraft("Bridge collapses", "Traffic diverted.", "https://news.example.com/bridge")


def _ledger(ctx: Context, campaign_id: int) -> list[tuple[int, int, str]]:
    with ctx.db.transaction() as conn:
        rows = conn.execute(
            select(deliveries.c.id, deliveries.c.subscriber_id, subscribers.c.email)
            .join(subscribers, subscribers.c.id == deliveries.c.subscriber_id)
            .where(deliveries.c.campaign_id == campaign_id)
            .order_by(deliveries.c.id)
        )
        return [(r.id, r.subscriber_id, r.email) for r in rows]


def _record_sends(ctx: Context, clock: FakeClock, rows: list[int], minute: int) -> None:
    """Rows accepted by the relay `minute` minutes after the first send, as the engine writes."""
    start = clock.now.replace(second=5)
    with ctx.db.transaction() as conn:
        outcomes.mark_sent(
            conn, [(key, "250 ok") for key in rows], now=start + timedelta(minutes=minute)
        )


def _campaign_with_history(ctx: Context, clock: FakeClock) -> int:
    """10 readers: 5 sent in minute 0, 3 in minute 2 (none in 1), 2 failed; then one hard
    bounce, one complaint and one unsubscribe from the email's link."""
    for _ in range(10):
        confirmed_reader(ctx)
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    ledger = _ledger(ctx, campaign_id)
    ids = [key for key, _, _ in ledger]
    _record_sends(ctx, clock, ids[:5], minute=0)
    _record_sends(ctx, clock, ids[5:8], minute=2)
    with ctx.db.transaction() as conn:
        outcomes.mark_final(
            conn, [(key, "550 no such user") for key in ids[8:]], status=DeliveryStatus.FAILED
        )
    (_, s0, e0), (_, s1, e1), (_, s2, _) = ledger[:3]
    bounces.process(
        ctx,
        [
            (
                "dsn",
                returned_mail(
                    "postfix_550_5_1_1_user_unknown.eml",
                    campaign=campaign_id,
                    subscriber=s0,
                    email=e0,
                ),
            ),
            (
                "arf",
                returned_mail(
                    "arf_abuse_complaint.eml", campaign=campaign_id, subscriber=s1, email=e1
                ),
            ),
        ],
    )
    token = ctx.tokens.unsubscribe(s2, 1, campaign_id)
    subscriptions.unsubscribe(ctx, token, requester=web_requester())
    return campaign_id


def test_the_report_counts_and_charts_a_campaign(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    campaign_id = _campaign_with_history(ctx, clock)
    viewer = make_editor(ctx, role=Role.VIEWER, password=PASSWORD)
    sign_in(client, viewer.email, PASSWORD)
    page = client.get(f"/desk/campaigns/{campaign_id}/report")
    assert page.status_code == 200
    shown = dict(re.findall(r'<p class="big" id="(\w+)">(\d+)</p>', page.text))
    assert shown == {
        "delivered": "7",  # 8 accepted, 1 bounced back
        "failed": "2",
        "bounced": "1",
        "complaints": "1",
        "refused": "0",
        "unsubscribes": "1",
    }
    assert 'id="sender-problem"' not in page.text
    rate = re.search(r'<p id="complaint-rate" class="rate (\w+)">([^<]*)', page.text)
    assert rate and rate.groups() == ("over", "14.29 % of delivered: ")  # 1 in 7
    assert "Open and click tracking is off" in page.text
    svg = re.search(r'<svg id="sent-chart".*?</svg>', page.text, re.S)
    assert svg, "no chart"
    bars = [int(n) for n in re.findall(r'data-count="(\d+)"', svg.group(0))]
    assert bars == [5, 0, 3]  # one bar a minute, the quiet minute included
    assert 'data-total="8"' in svg.group(0) and "8 messages sent" in svg.group(0)
    heights = [
        float(h) for h in re.findall(r'<rect class="bar"[^>]* height="([\d.]+)"', svg.group(0))
    ]
    assert heights[0] > heights[2] > heights[1] == 0


def test_the_campaign_page_links_to_its_report(client: TestClient, ctx: Context) -> None:
    confirmed_reader(ctx)
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    editor = make_editor(ctx, role=Role.EDITOR, password=PASSWORD)
    sign_in(client, editor.email, PASSWORD)
    assert (
        f'href="/desk/campaigns/{campaign_id}/report"'
        in client.get(f"/desk/campaigns/{campaign_id}").text
    )
    empty = client.get(f"/desk/campaigns/{campaign_id}/report")
    assert empty.status_code == 200 and "Nothing has been sent yet." in empty.text


def test_an_unknown_campaign_report_is_a_404_and_needs_sign_in(
    client: TestClient, ctx: Context
) -> None:
    assert client.get("/desk/campaigns/1/report", follow_redirects=False).status_code == 303
    editor = make_editor(ctx, role=Role.VIEWER, password=PASSWORD)
    sign_in(client, editor.email, PASSWORD)
    assert client.get("/desk/campaigns/999/report").status_code == 404


def test_long_sends_are_grouped_into_at_most_240_bars() -> None:
    buckets, width = reports.bucketed([(1000, 1), (1000 + 599, 2)])
    assert width == 3 and len(buckets) == 200
    assert sum(b.sent for b in buckets) == 3 and buckets[-1].sent == 2


def test_refusals_for_the_newsrooms_reasons_show_as_its_problem_to_fix(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx)
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    returns.apply(
        ctx,
        returns.Classified(
            ReturnClass.SENDER,
            "5.7.26",
            "sender 5.7.26",
            "mail",
            reader,
            campaign_id,
            actor="test",
        ),
    )
    viewer = make_editor(ctx, role=Role.VIEWER, password=PASSWORD)
    sign_in(client, viewer.email, PASSWORD)

    report = client.get(f"/desk/campaigns/{campaign_id}/report").text
    dashboard = client.get("/desk").text

    assert re.search(r'<p class="big" id="refused">1</p>', report)
    problem = re.search(r'<p class="error" id="sender-problem">.*?</p>', report, re.S)
    assert problem is not None and "none of them was suppressed" in problem.group(0)
    assert f'href="/desk/campaigns/{campaign_id}/report"' in dashboard
    assert "for the newsroom's own reasons" in dashboard
