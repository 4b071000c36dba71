"""The briefing page shows, while curating, how the edition before did item by item."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from bulletin.services.briefing import editions as briefing
from bulletin.services.context import Context
from bulletin.store.briefing import editions
from bulletin.store.ledger import outcomes
from bulletin.store.tables import deliveries
from bulletin.web.app import create_app
from tests.support.briefing import add_story, briefing_reader
from tests.support.clicks import counted_links, message_for
from tests.support.factories import FakeClock, unique_email
from tests.support.web import signed_in_as

TUESDAY = date(2026, 11, 24)
BROWSER = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"}


def test_the_briefing_page_shows_how_the_last_edition_did(ctx: Context, clock: FakeClock) -> None:
    ctx.settings = ctx.settings.replace(click_tracking="aggregate")
    clock.now = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    add_story(ctx, headline="Parliament dissolved", urgency=1)
    add_story(ctx, headline="Rates held steady", urgency=3)
    address = unique_email()
    reader = briefing_reader(ctx, zone="Europe/Berlin", email=address)
    briefing.approve(ctx, TUESDAY, actor=None, write_now=True)
    with ctx.db.transaction() as conn:
        edition = editions.by_date(conn, TUESDAY)
        assert edition is not None and edition.campaign_id is not None
        rows = conn.execute(
            select(deliveries.c.id).where(deliveries.c.campaign_id == edition.campaign_id)
        )
        outcomes.mark_sent(conn, [(key, "250 ok") for key in rows.scalars()], now=clock())
    links = counted_links(message_for(ctx, edition.campaign_id, reader, address, segment=0))
    first = edition.items[0]
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        clock.advance(hours=11)
        answer = client.get(links[0], headers=BROWSER)
        assert answer.headers["location"] == first.url

    with TestClient(create_app(ctx)) as desk:
        signed_in_as(desk, ctx)
        page = desk.get("/desk/briefing?date=2026-11-25").text

    assert "How the Tue 24 Nov edition did" in page
    assert "1 unique clickers of 1 delivered (100.0 %)" in page
    table = page[page.index('<table id="last-clicks">') :]
    table = table[: table.index("</table>")]
    assert f'<td>{first.headline}</td><td class="num">1</td><td class="num">1</td>' in table
    assert all(f"<td>{i.headline}</td>" in table for i in edition.items)
