"""What readers are told and shown about counted links: nothing when off, a note when
counted by message, their own clicks in the preference centre only with per-reader
history, and an erased reader's clicks no longer theirs."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from bulletin.services.context import Context
from bulletin.services.readers import rights
from bulletin.store.tables import link_clickers
from bulletin.web.app import create_app
from tests.support.clicks import counted_alert, counted_links, message_for
from tests.support.factories import FakeClock, confirmed_reader, unique_email

STORY = "https://news.example.com/vote"
BROWSER = {"user-agent": "Mozilla/5.0 (Android 15; Mobile) Firefox/133.0"}


def _reader_who_clicked(ctx: Context, clock: FakeClock) -> tuple[int, str]:
    """A reader who clicked their alert's story link: their id and preferences link."""
    address = unique_email()
    subscriber = confirmed_reader(ctx, email=address)
    link = counted_links(message_for(ctx, counted_alert(ctx, STORY), subscriber, address))[0]
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        clock.advance(minutes=5)
        assert client.get(link, headers=BROWSER).status_code == 302
    return subscriber, f"/preferences/{ctx.tokens.preferences(subscriber, address)}"


def test_per_reader_history_is_shown_in_the_preference_centre(
    ctx: Context, clock: FakeClock
) -> None:
    ctx.settings = ctx.settings.replace(click_tracking="per-reader")
    _, centre = _reader_who_clicked(ctx, clock)
    with TestClient(create_app(ctx)) as client:
        page = client.get(centre).text

    assert 'id="your-clicks"' in page and STORY in page and "Bridge collapses" in page
    assert 'id="clicks-note"' in page and "which of them you click" in page


def test_counted_by_message_the_centre_says_so_and_shows_no_history(
    ctx: Context, clock: FakeClock
) -> None:
    ctx.settings = ctx.settings.replace(click_tracking="aggregate")
    _, centre = _reader_who_clicked(ctx, clock)
    with TestClient(create_app(ctx)) as client:
        page = client.get(centre).text
        signup = client.get("/").text

    assert 'id="your-clicks"' not in page and STORY not in page
    assert "not per person" in page and "not per person" in signup
    with ctx.db.transaction() as conn:
        assert conn.execute(select(link_clickers.c.subscriber_id)).scalars().all() == [None]


def test_with_counts_off_readers_are_told_nothing_about_clicks(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as client:
        assert 'id="clicks-note"' not in client.get("/").text


def test_an_erased_readers_clicks_stay_counted_but_not_theirs(
    ctx: Context, clock: FakeClock
) -> None:
    ctx.settings = ctx.settings.replace(click_tracking="per-reader")
    subscriber, _ = _reader_who_clicked(ctx, clock)

    rights.erase(ctx, subscriber, actor="dpo@news.example.com")

    with ctx.db.transaction() as conn:
        assert conn.execute(select(link_clickers.c.subscriber_id)).scalars().all() == [None]
