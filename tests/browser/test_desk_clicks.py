"""Click counts on the desk in a real browser: an alert to a few readers, one counted link
followed over HTTP as a reader's browser would, then the click on the campaign report and
the dashboard's comparison; at desktop and phone sizes, axe-core on every page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, confirmed_reader, make_staff, sign_in
from tests.support.axe import assert_accessible
from tests.support.clicks import counted_links
from tests.support.served import Served, serving, wait_for

WAIT = 30_000  # a send on a busy machine
STORY = "https://news.example.com/2030/harbour-fire"
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
READERS = [f"clicks.reader{n}@readers.example.org" for n in range(3)]


@pytest.fixture(scope="module")
def counting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A Bulletin that counts clicks per message (the default counts nothing)."""
    with serving(
        tmp_path_factory.mktemp("clicks"), {"BULLETIN_CLICK_TRACKING": "aggregate"}
    ) as running:
        for reader in READERS:
            confirmed_reader(running, reader)
        yield running


def _page(browser: Browser, served: Served, size: dict[str, int]) -> Iterator[Page]:
    context = browser.new_context(
        base_url=served.base_url,
        viewport=size,  # type: ignore[arg-type]
        is_mobile=size == PHONE,
        has_touch=size == PHONE,
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser: Browser, counting: Served) -> Iterator[Page]:
    yield from _page(browser, counting, DESKTOP)


@pytest.fixture
def phone(browser: Browser, counting: Served) -> Iterator[Page]:
    yield from _page(browser, counting, PHONE)


def _fits(page: Page) -> None:
    """No violation, and nothing off-screen sideways."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert_accessible(page)


def _unique_clickers(page: Page, expected: str) -> bool:
    page.reload()
    return page.locator("#unique-clickers").inner_text() == expected


def test_a_followed_link_shows_on_the_report_and_the_dashboard(
    desktop: Page, phone: Page, counting: Served
) -> None:
    editor = "clicks.editor@news.example.com"
    password = make_staff(counting, editor, "editor")
    sign_in(desktop, editor, password)
    desktop.goto("/desk")
    expect(desktop.locator("#alert-clicks-h")).to_be_visible()  # counts on: the comparison
    _fits(desktop)

    desktop.get_by_role("link", name="Write a breaking alert").click()
    desktop.get_by_label("Headline", exact=True).fill("Fire at the harbour warehouses")
    desktop.get_by_label(re.compile("^Summary")).fill("Smoke over the port. Keep windows shut.")
    desktop.get_by_label("Link to the story").fill(STORY)
    desktop.get_by_role("button", name="Review before sending").click()
    desktop.get_by_role("button", name=re.compile("^Send to 3 readers")).click()
    expect(desktop.locator("#status")).to_have_text("sent", timeout=WAIT)
    report = desktop.url + "/report"

    message = counting.caught_for(READERS[0], "Fire at the harbour warehouses").message
    links = counted_links(message)
    assert links, "the alert's links are counted"
    # The reader's browser follows the story's link: a redirect to it, counted.
    with httpx.Client(base_url=counting.base_url, headers={"User-Agent": BROWSER_AGENT}) as web:
        followed = web.get(links[0])
    assert followed.status_code == 302 and followed.headers["location"] == STORY

    desktop.goto(report)
    expect(desktop.get_by_role("heading", name="Clicks", level=2)).to_be_visible()
    wait_for(lambda: _unique_clickers(desktop, "1"), "the click on the report")
    expect(desktop.locator("#click-through")).to_have_text("33.3 %")
    row = desktop.locator("#link-clicks tbody tr", has_text=STORY)
    expect(row.locator("td.num").first).to_have_text("1")
    expect(desktop.locator("#clickers-chart rect.bar")).not_to_have_count(0)
    desktop.locator("#clickers-table summary").click()
    expect(desktop.locator("#clickers-table table")).to_be_visible()
    _fits(desktop)

    desktop.goto("/desk")
    compared = desktop.locator("#alert-clicks tbody tr", has_text="Fire at the harbour")
    expect(compared.locator("td.num")).to_have_text(["3", "1", "33.3 %"])
    _fits(desktop)
    compared.get_by_role("link").click()
    desktop.wait_for_url(report)

    sign_in(phone, editor, password)
    _fits(phone)
    phone.goto(report)
    expect(phone.locator("#unique-clickers")).to_have_text("1")
    phone.locator("#clickers-table summary").tap()
    _fits(phone)
