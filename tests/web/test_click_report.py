"""The campaign report and the dashboard show what the counted links say: clicks per link,
unique clickers, click-through against delivered, first clicks over time (chart and table)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from bulletin.services.context import Context
from bulletin.store.ledger import outcomes
from bulletin.store.tables import deliveries
from bulletin.web.app import create_app
from tests.support.clicks import counted_alert, counted_links, message_for
from tests.support.factories import FakeClock, confirmed_reader, unique_email
from tests.support.web import signed_in_as

STORY = "https://news.example.com/floods"
BROWSER = {"user-agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0"}
SCANNER = {"user-agent": "Mozilla/5.0 (compatible; Proofpoint URL Defense)"}


def _sent_to(ctx: Context, clock: FakeClock, readers: int) -> tuple[int, list[str]]:
    """An alert delivered to `readers` readers: its id and each reader's counted link."""
    addresses = [unique_email() for _ in range(readers)]
    ids = [confirmed_reader(ctx, email=a) for a in addresses]
    campaign = counted_alert(ctx, STORY)
    links = [
        counted_links(message_for(ctx, campaign, s, a))[0]
        for s, a in zip(ids, addresses, strict=True)
    ]
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(deliveries.c.id).where(deliveries.c.campaign_id == campaign))
        outcomes.mark_sent(conn, [(key, "250 ok") for key in rows.scalars()], now=clock())
    return campaign, links


def test_the_report_shows_clicks_uniques_and_click_through(ctx: Context, clock: FakeClock) -> None:
    ctx.settings = ctx.settings.replace(click_tracking="aggregate")
    campaign, links = _sent_to(ctx, clock, readers=8)
    with TestClient(
        create_app(ctx), client=("198.51.100.7", 4000), follow_redirects=False
    ) as client:
        clock.advance(seconds=2)
        for link in links:  # a scanner fetches every message's link as it arrives
            client.get(link, headers=SCANNER)
        clock.advance(minutes=3)
        client.get(links[0], headers=BROWSER)
        client.get(links[0], headers=BROWSER)
        clock.advance(minutes=2)
        client.get(links[1], headers=BROWSER)

    with TestClient(create_app(ctx)) as desk:
        signed_in_as(desk, ctx)
        page = desk.get(f"/desk/campaigns/{campaign}/report").text

    shown = dict(re.findall(r'<p class="big" id="([\w-]+)">([^<]+)</p>', page))
    assert shown["unique-clickers"] == "2"
    assert shown["click-through"] == "25.0 %"  # 2 of 8 delivered
    assert shown["clicks"] == "3"
    assert shown["ignored"] == "8"
    row = re.search(r'<table id="link-clicks">.*?</table>', page, re.S)
    assert row and STORY in row.group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', row.group(0)) == ["2", "3", "8"]
    svg = re.search(r'<svg id="clickers-chart".*?</svg>', page, re.S)
    assert svg and 'data-total="2"' in svg.group(0)
    bars = [int(n) for n in re.findall(r'data-count="(\d+)"', svg.group(0))]
    assert sum(bars) == 2 and len(bars) == 3  # minutes 3, 4 (none) and 5
    assert 'id="clickers-table"' in page


def test_the_dashboard_compares_the_last_alerts(ctx: Context, clock: FakeClock) -> None:
    ctx.settings = ctx.settings.replace(click_tracking="aggregate")
    quiet, _ = _sent_to(ctx, clock, readers=2)
    clock.advance(minutes=10)
    busy, links = _sent_to(ctx, clock, readers=4)
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        clock.advance(minutes=5)
        for link in links[:3]:
            client.get(link, headers=BROWSER)

    with TestClient(create_app(ctx)) as desk:
        signed_in_as(desk, ctx)
        page = desk.get("/desk").text

    table = re.search(r'<table id="alert-clicks">.*?</table>', page, re.S)
    assert table
    rows = re.findall(
        r'/desk/campaigns/(\d+)/report".*?<td class="num">(\d+)</td><td class="num">(\d+)</td>'
        r'<td class="num">([^<]+)</td>',
        table.group(0),
        re.S,
    )
    # The second alert went to all six readers of the list by then.
    assert rows == [(str(busy), "6", "3", "50.0 %"), (str(quiet), "2", "0", "0.0 %")]


def test_with_counts_off_the_pages_say_so_and_compare_nothing(ctx: Context) -> None:
    confirmed_reader(ctx)
    campaign = counted_alert(ctx, STORY)
    with TestClient(create_app(ctx)) as desk:
        signed_in_as(desk, ctx)
        report = desk.get(f"/desk/campaigns/{campaign}/report").text
        dashboard = desk.get("/desk").text

    assert "Open and click tracking is off" in report and 'id="click-counts"' not in report
    assert 'id="alert-clicks"' not in dashboard
