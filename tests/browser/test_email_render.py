"""Every kind of email, opened in Chromium on a phone and a desktop, light and dark.

Each must fit the viewport (no sideways scroll), show its footer with the links a
reader needs, and keep its text readable (WCAG AA) in both colour schemes; a
screenshot of each lands in test-artifacts/emails/ for people to look at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route

from bulletin.domain.models import CampaignKind, ListKind, MailingList
from bulletin.mail.compose import CampaignMessages, Links
from tests.mail.test_footer import (
    ADDRESS,
    KINDS,
    LINKS,
    READER,
    SENT_AT,
    TOKENS,
    campaign,
    parts,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "emails"
CONTRAST = (Path(__file__).parent / "contrast.js").read_text()
DRESSED = replace(
    LINKS,
    postal_address=ADDRESS,
    logo_url="https://img.example.com/logo.png",
    privacy_url="https://news.example.com/privacy",
)
WIDTHS = (375, 640)
SCHEMES = ("light", "dark")


def update(links: Links) -> bytes:
    the_list = MailingList(1, "breaking", "Breaking News", "", ListKind.ALERT)
    follow_up = replace(campaign(CampaignKind.ALERT, 1), id=8, parent_id=7)
    messages = CampaignMessages(follow_up, the_list, links=links, tokens=TOKENS, date=SENT_AT)
    return messages.envelope(key=1, subscriber_id=3, email=READER).data


ALL_KINDS: dict[str, Callable[[Links], bytes]] = {**KINDS, "update": update}


def _offline(route: Route) -> None:
    route.abort()  # images are the newsroom's, elsewhere: a test never fetches them


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_fits_the_screen_shows_its_footer_and_reads_well(
    browser: Browser, kind: str, width: int, scheme: str
) -> None:
    _, html = parts(ALL_KINDS[kind](DRESSED))
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        color_scheme=scheme,  # type: ignore[arg-type]
    )
    try:
        page = context.new_page()
        page.route("**/*", _offline)
        page.set_content(html)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=ARTIFACTS / f"{kind.replace(' ', '-')}-{width}-{scheme}.png", full_page=True
        )

        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        footer_shown = page.locator("td.footer a").first.is_visible()
        problems = page.evaluate(CONTRAST)
        dark_sheet = page.evaluate(
            "getComputedStyle(document.querySelector('table.sheet')).backgroundColor"
        )
    finally:
        context.close()

    assert scroll_width <= width
    assert problems == []
    assert footer_shown
    assert (dark_sheet == "rgb(30, 30, 30)") == (scheme == "dark")


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_has_its_footer_header_and_preheader(browser: Browser, kind: str) -> None:
    _, html = parts(ALL_KINDS[kind](DRESSED))
    context = browser.new_context(viewport={"width": 640, "height": 800})
    try:
        page = context.new_page()
        page.route("**/*", _offline)
        page.set_content(html)
        footer = page.locator("td.footer").inner_text()
        masthead = page.locator("td.masthead").inner_text()
        logo = page.locator("td.masthead img").get_attribute("src")
        preheader_shown = page.locator("div.preheader").is_visible()
        preheader = page.locator("div.preheader").text_content() or ""
    finally:
        context.close()

    assert DRESSED.newsroom in masthead and logo == DRESSED.logo_url
    assert f"{DRESSED.newsroom}, {ADDRESS}" in footer and "Privacy policy" in footer
    assert not preheader_shown and preheader.strip()
    if kind == "confirmation":
        assert "sign-up form" in footer
    else:
        assert "Unsubscribe" in footer and "manage your emails" in footer
        assert "View in browser" in footer
