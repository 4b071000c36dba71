"""The ingest report in a real browser: a pasted page, what was found in it, and a hand."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.browser.conftest import make_staff, sign_in
from tests.support.axe import assert_accessible
from tests.support.served import Served

PAGE = """{headline}

By Ines Corbett and The Associated Press

LISBON, Portugal — The harbour reopened on Tuesday after a week of storms.
"Ships can dock again," the port authority said.

Fishing boats were the first to leave.
"""


def _cell(page: Page, field: str) -> str | None:
    return page.locator(f"#ingest-report td[data-field={field}]").first.get_attribute("data-found")


def test_a_pasted_page_reports_its_fields_and_a_fix_shows_on_the_report(
    desktop: Page, served: Served
) -> None:
    marker = uuid.uuid4().hex[:8]
    headline = f"Harbour reopens after storms {marker}"
    editor = f"report.editor.{marker}@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))

    desktop.goto("/desk/stories")
    desktop.get_by_label("Paste a story").fill(PAGE.format(headline=headline))
    desktop.get_by_role("button", name="Store", exact=True).click()
    desktop.wait_for_url(re.compile(r"/desk/stories/ingested/[\w.\-]+$"))
    report = desktop.url
    expect(desktop.locator("#ingest-counts")).to_contain_text("1 story stored")
    expect(desktop.locator("#ingest-report")).to_contain_text(headline)
    assert {f: _cell(desktop, f) for f in ("headline", "byline", "dateline", "link")} == {
        "headline": "yes",
        "byline": "yes",
        "dateline": "yes",
        "link": "no",
    }
    assert_accessible(desktop)

    # A reload shows the same report and stores nothing twice (post/redirect/get).
    desktop.reload()
    expect(desktop.locator("#ingest-counts")).to_contain_text("1 story stored")
    expect(desktop.locator("#ingest-report tbody tr")).to_have_count(1)

    desktop.get_by_role("link", name="Edit this story").click()
    desktop.get_by_label(re.compile("^Link")).fill(f"https://news.example.com/{marker}")
    desktop.get_by_role("button", name="Save").click()
    expect(desktop.get_by_role("status")).to_contain_text("Saved as version 2")

    desktop.goto(report)
    assert _cell(desktop, "link") == "yes"
    needs = desktop.locator("#ingest-report tbody tr td").last
    expect(needs).to_contain_text("dek or summary")
    expect(needs).not_to_contain_text("link")
