"""An editor curates the morning briefing in a real browser, holds it, then approves it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_readable, make_staff, screenshot, sign_in
from tests.support.axe import assert_accessible
from tests.support.served import Served

DATE = "2030-01-08"  # a Tuesday, far from anything the running scheduler looks at


def _ingest(served: Served, tmp_path: Path) -> None:
    item = {
        "uri": "https://news.example.com/2030/harbour-plan",
        "type": "text",
        "headline": "Council approves the harbour plan",
        "description_text": "The council voted to rebuild the harbour. Work starts in spring.",
        "body_text": "The council voted on Tuesday night.",
        "genres": [{"name": "Politics"}],
    }
    path = tmp_path / "story.json"
    path.write_text(json.dumps(item))
    served.bulletin("ingest", str(path))


def test_editor_curates_holds_and_approves_the_briefing(
    desktop: Page, served: Served, tmp_path: Path
) -> None:
    _ingest(served, tmp_path)
    editor = "morning.editor@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    desktop.get_by_role("link", name="Briefing").click()
    desktop.goto(f"/desk/briefing?date={DATE}")
    expect(
        desktop.get_by_role("heading", name=re.compile("Tuesday 08 January 2030"))
    ).to_be_visible()
    item = desktop.locator("li[data-story]", has_text="Council approves the harbour plan")
    expect(item).to_be_visible()
    expect(item).to_contain_text("POLITICS")
    assert_readable(desktop)
    screenshot(desktop, "desk-briefing-01-draft")

    desktop.get_by_label("Greeting").fill("Good morning from the harbour desk.")
    desktop.get_by_role("button", name="Save greeting").click()
    expect(desktop.get_by_label("Greeting")).to_have_value("Good morning from the harbour desk.")

    desktop.get_by_role("button", name="Hold", exact=True).click()
    expect(desktop.locator("h1 .status")).to_have_text("held")
    expect(desktop.get_by_text("it goes only when an editor approves it")).to_be_visible()
    assert_accessible(desktop)

    desktop.get_by_role("button", name="Approve", exact=True).click()
    expect(
        desktop.get_by_role("heading", name=re.compile("Approve the briefing for"))
    ).to_be_visible()
    assert_readable(desktop)
    assert_accessible(desktop)
    screenshot(desktop, "desk-briefing-02-confirm")
    desktop.get_by_role("button", name="Approve and send").click()
    expect(desktop.locator("h1 .status")).to_have_text(re.compile("approved|sending"))
    expect(desktop.get_by_role("button", name="Save greeting")).to_have_count(0)
    frame = desktop.frame_locator("iframe[title='The email for this segment']")
    expect(frame.get_by_text("Good morning from the harbour desk.")).to_be_visible()
    screenshot(desktop, "desk-briefing-03-approved")
