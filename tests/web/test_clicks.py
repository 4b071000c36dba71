"""`/r/…`: a counted link redirects to its campaign's story, counts its click after the
app flushes, and never sends anyone anywhere else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bulletin.services.context import Context
from bulletin.store.db import Database
from bulletin.store.tables import link_clickers, link_clicks
from bulletin.web.app import create_app
from tests.support.clicks import counted_alert, counted_links, message_for
from tests.support.factories import FakeClock, confirmed_reader, unique_email
from tests.support.tokens import tampered

STORY = "https://news.example.com/bridge"
BROWSER = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"}
CLIENT = ("203.0.113.9", 50000)


@pytest.fixture
def counting(ctx: Context) -> Context:
    ctx.settings = ctx.settings.replace(click_tracking="aggregate")
    return ctx


def _sent_link(ctx: Context, url: str = STORY) -> tuple[int, int, str]:
    """A reader, an alert to them, and the counted link of its story in their message."""
    address = unique_email()
    subscriber = confirmed_reader(ctx, email=address)
    campaign = counted_alert(ctx, url)
    links = counted_links(message_for(ctx, campaign, subscriber, address))
    assert links, "the message has no counted link"
    return campaign, subscriber, links[0]


def _totals(ctx: Context, campaign: int) -> tuple[int, int, int]:
    """(clicks counted, set aside, unique clickers) of the campaign's links."""
    with ctx.db.transaction() as conn:
        counted, ignored = conn.execute(
            select(link_clicks.c.clicks, link_clicks.c.ignored).where(
                link_clicks.c.campaign_id == campaign
            )
        ).one()
        unique = len(
            conn.execute(select(link_clickers).where(link_clickers.c.campaign_id == campaign)).all()
        )
    return int(counted), int(ignored), unique


@pytest.fixture
def app_client(counting: Context) -> Iterator[TestClient]:
    with TestClient(create_app(counting), client=CLIENT, follow_redirects=False) as client:
        yield client


def test_a_counted_link_redirects_to_its_story(counting: Context, clock: FakeClock) -> None:
    _, _, link = _sent_link(counting)
    with TestClient(create_app(counting), client=CLIENT, follow_redirects=False) as client:
        answer = client.get(link, headers=BROWSER)

    assert answer.status_code == 302
    assert answer.headers["location"] == STORY
    assert answer.headers["cache-control"] == "no-store"
    assert "set-cookie" not in answer.headers


def test_a_click_is_counted_once_the_app_stops(counting: Context, clock: FakeClock) -> None:
    campaign, _, link = _sent_link(counting)
    with TestClient(create_app(counting), client=CLIENT, follow_redirects=False) as client:
        clock.advance(minutes=5)  # past the scanners' first seconds
        client.get(link, headers=BROWSER)
        client.get(link, headers=BROWSER)  # the same reader again: one unique clicker

    assert _totals(counting, campaign) == (2, 0, 1)


def test_head_redirects_and_is_not_counted(counting: Context, clock: FakeClock) -> None:
    campaign, _, link = _sent_link(counting)
    with TestClient(create_app(counting), client=CLIENT, follow_redirects=False) as client:
        clock.advance(minutes=5)
        answer = client.head(link, headers=BROWSER)

    assert answer.status_code == 302
    assert answer.headers["location"] == STORY
    assert _totals(counting, campaign) == (0, 1, 0)


def test_only_the_story_links_are_counted(counting: Context) -> None:
    address = unique_email()
    subscriber = confirmed_reader(counting, email=address)
    message = message_for(counting, counted_alert(counting), subscriber, address)
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None

    assert STORY not in html.get_content()
    assert "/r/" in text.get_content() and STORY not in text.get_content()
    assert "/unsubscribe/" in html.get_content() and "/preferences/" in html.get_content()
    assert "/unsubscribe/" in message["List-Unsubscribe"]


def test_a_tampered_token_gets_a_page_not_a_redirect(
    app_client: TestClient, counting: Context
) -> None:
    _, _, link = _sent_link(counting)
    _, _, token, reader = link.split("/")
    tampered_link = f"/r/{tampered(token)}/{reader}"

    answer = app_client.get(tampered_link)

    assert answer.status_code == 404
    assert "location" not in answer.headers
    assert "not valid" in answer.text


def test_a_position_the_campaign_does_not_have_is_not_found(
    app_client: TestClient, counting: Context
) -> None:
    campaign, _, link = _sent_link(counting)
    reader = link.rsplit("/", 1)[1]
    made = counting.tokens.click(campaign, 7)  # signed, but the campaign has one link

    answer = app_client.get(f"/r/{made}/{reader}")

    assert answer.status_code == 404
    assert "location" not in answer.headers


def test_another_campaigns_link_names_that_campaigns_url(
    app_client: TestClient, counting: Context
) -> None:
    _, _, first = _sent_link(counting, "https://news.example.com/first")
    _, _, second = _sent_link(counting, "https://news.example.com/second")

    assert app_client.get(first).headers["location"] == "https://news.example.com/first"
    assert app_client.get(second).headers["location"] == "https://news.example.com/second"


def test_an_expired_link_gets_a_page(counting: Context, clock: FakeClock) -> None:
    _, _, link = _sent_link(counting)
    clock.advance(seconds=counting.settings.click_link_max_age_s + 1)
    with TestClient(create_app(counting), client=CLIENT, follow_redirects=False) as client:
        answer = client.get(link)

    assert answer.status_code == 404
    assert "expired" in answer.text


def test_links_still_redirect_once_counting_is_off(ctx: Context) -> None:
    counting = Context(
        settings=ctx.settings.replace(click_tracking="aggregate"), db=ctx.db, clock=ctx.clock
    )
    _, _, link = _sent_link(counting)
    with TestClient(create_app(ctx), client=CLIENT, follow_redirects=False) as client:
        answer = client.get(link, headers=BROWSER)

    assert answer.headers["location"] == STORY
    with ctx.db.transaction() as conn:
        assert conn.execute(select(link_clicks)).all() == []


def test_past_the_client_limit_links_redirect_uncounted(
    counting: Context, clock: FakeClock
) -> None:
    counting.settings = counting.settings.replace(click_limit_ip="2/minute")
    campaign, _, link = _sent_link(counting)
    with TestClient(create_app(counting), client=CLIENT, follow_redirects=False) as client:
        clock.advance(minutes=5)
        answers = [client.get(link, headers=BROWSER) for _ in range(3)]

    assert [a.status_code for a in answers] == [302, 302, 302]
    assert _totals(counting, campaign) == (2, 1, 1)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    made=st.one_of(
        st.text(
            alphabet=st.characters(
                min_codepoint=33, max_codepoint=126, exclude_characters="/?#%\\"
            ),
            min_size=1,
        ),
        st.from_regex(r"\A[0-9]{1,4}\.[0-9]{1,3}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27}\Z"),
    ),
    flip=st.integers(min_value=0, max_value=200),
)
def test_no_made_up_or_tampered_token_redirects_off_the_campaigns_urls(
    app_client: TestClient, counting: Context, made: str, flip: int
) -> None:
    if not hasattr(app_client, "sent"):
        app_client.sent = _sent_link(counting)
    _, _, link = app_client.sent
    _, _, token, reader = link.split("/")
    at = flip % len(token)
    tampered = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]

    for path in (
        f"/r/{made}/{reader}",
        f"/r/{tampered}/{reader}",
        f"/r/{made}",
        f"/r/{token}/{reader}/https://elsewhere.example/{made}",
        f"/r/{token}/https://elsewhere.example/{made}",
        f"/r/https://elsewhere.example/{made}",
    ):
        answer = app_client.get(path)
        assert answer.status_code < 500, path
        # The story, or our own site ("/r/." arrives as "/r", which Starlette sends to "/r/").
        location = answer.headers.get("location")
        assert location is None or location == STORY or location.startswith("http://testserver/")


def test_only_get_and_head_follow_a_link(app_client: TestClient, counting: Context) -> None:
    _, _, link = _sent_link(counting)
    answer = app_client.post(link)
    assert answer.status_code == 405
    assert "location" not in answer.headers


def test_a_story_url_beyond_ascii_is_sent_percent_encoded(
    app_client: TestClient, counting: Context
) -> None:
    _, _, link = _sent_link(counting, "https://news.example.com/élection/選挙")
    answer = app_client.get(link)
    assert answer.status_code == 302
    assert answer.headers["location"] == (
        "https://news.example.com/%C3%A9lection/%E9%81%B8%E6%8C%99"
    )


def test_a_link_first_followed_while_the_database_is_away_asks_to_try_again(
    counting: Context, tmp_path: Path
) -> None:
    away = f"sqlite:///{tmp_path / 'no-such-directory' / 'bulletin.db'}"
    offline = Context(
        settings=counting.settings.replace(database_url=away),
        db=Database(away),
        clock=counting.clock,
    )
    token = counting.tokens.click(1, 0)
    with TestClient(create_app(offline), client=CLIENT, follow_redirects=False) as client:
        answer = client.get(f"/r/{token}/1.0123456789")

    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "60"
    assert "try it again" in answer.text and "location" not in answer.headers
