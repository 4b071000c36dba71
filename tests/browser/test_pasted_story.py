"""A pasted story gets its headline and link on the desk and then goes into a skipped briefing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, assert_readable, make_staff, screenshot, sign_in
from tests.support.axe import assert_accessible
from tests.support.fixtures import SEED
from tests.support.served import Served, serving

DATE = "2030-01-15"  # a Tuesday: no scheduler run comes near it


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A Bulletin of its own: with no other test's stories, its briefing starts skipped."""
    with serving(tmp_path_factory.mktemp("pasted")) as running:
        yield running


@pytest.fixture
def page(browser: Browser, empty: Served) -> Iterator[Page]:
    context = browser.new_context(base_url=empty.base_url, viewport=DESKTOP)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_pasted_story_gets_a_link_and_fills_a_skipped_briefing(page: Page, empty: Served) -> None:
    editor = "paste.editor@news.example.com"
    sign_in(page, editor, make_staff(empty, editor, "editor"))

    page.goto(f"/desk/briefing?date={DATE}")
    page.get_by_role("button", name="Look again for stories").click()
    expect(page.locator("h1 .status")).to_have_text("skipped")
    expect(page.get_by_text("No story qualified")).to_be_visible()
    # A skipped edition still offers a way in: a story found by its headline, added.
    expect(page.get_by_label(re.compile("^Add a story"))).to_be_visible()
    expect(page.get_by_role("button", name="Find", exact=True)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "desk-pasted-01-skipped")

    page.goto("/desk/stories")
    page.get_by_label("Paste a story").fill(Path(SEED).read_text())
    page.get_by_role("button", name="Store", exact=True).click()
    page.wait_for_url("**/desk/stories/ingested/*")  # post/redirect/get: a report of its own
    stored = page.get_by_role("status").filter(has_text="1 new")
    expect(stored).to_have_count(1)
    page.reload()  # the report again, the story not stored twice, the message gone
    expect(stored).to_have_count(0)
    expect(page.locator("#ingest-report tbody tr")).to_have_count(1)
    page.locator("section[aria-labelledby=ingested] a").first.click()
    expect(page.locator("#needs-link")).to_be_visible()

    page.get_by_label("Headline", exact=True).fill("Coalition airstrikes stop ISIS convoy")
    page.get_by_label(re.compile("^Link")).fill("not a web address")
    page.get_by_role("button", name="Save").click()  # the browser refuses it: type=url
    expect(page.locator("#needs-link")).to_be_visible()
    page.get_by_label(re.compile("^Link")).fill("https://news.example.com/world/convoy")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved as version 2")
    link = page.get_by_role("link", name="https://news.example.com/world/convoy")
    expect(link).to_be_visible()
    expect(page.locator("#needs-link")).to_have_count(0)
    assert_readable(page)
    assert_accessible(page)
    screenshot(page, "desk-pasted-02-linked")

    # Into the skipped edition by hand, on a phone: found by its headline, added, a draft.
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(f"/desk/briefing?date={DATE}")
    expect(page.locator("h1 .status")).to_have_text("skipped")
    page.get_by_label(re.compile("^Add a story")).fill("airstrikes stop")
    page.get_by_role("button", name="Find", exact=True).click()
    page.get_by_role("button", name="Add Coalition airstrikes stop ISIS convoy").click()
    expect(page.get_by_role("status").filter(has_text="Added.")).to_be_visible()
    expect(page.locator("h1 .status")).to_have_text("draft")
    item = page.locator("li[data-story]", has_text="Coalition airstrikes stop ISIS convoy")
    expect(item).to_contain_text("https://news.example.com/world/convoy")
    expect(item).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_readable(page)
    assert_accessible(page)
    screenshot(page, "desk-pasted-03-draft")
    page.reload()  # the page after the post: nothing added twice, the message gone
    expect(item).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="Added.")).to_have_count(0)

    # The one story cannot be dropped (an edition needs one): said in red, nothing lost.
    page.get_by_role("button", name="Drop Coalition airstrikes stop ISIS convoy").click()
    expect(page.get_by_role("alert").filter(has_text="needs at least one story")).to_be_visible()
    expect(item).to_have_count(1)
    assert_accessible(page)
