"""Issue 6, browser test 2: an editor fires an alert from a story and follows it up, in Chromium.

Sign in → open a story's alert form → the live preview (desktop, phone, plain text)
follows the typing → a test goes to the editor → the confirmation step states the
exact count → Send → the progress view reaches 100 % → the alert is in the catcher →
"Send update" → the update is in the catcher, answering the reader's first message.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    assert_readable,
    confirmed_reader,
    make_staff,
    screenshot,
    sign_in,
)
from tests.support.axe import assert_accessible
from tests.support.served import Served

HEADLINE = "Dam breach floods the lower valley"
# Steps that wait on the server (a send, a page after a post) get longer than expect's
# 5 s default: the machine running the tests may be busy.
WAIT = 20_000
SUMMARY = "Water is rising in three villages. Residents are told to move to high ground now."


def _story(served: Served, tmp_path: Path) -> int:
    """A wire story, stored by `bulletin ingest` (the ingest service) into the served database."""
    path = tmp_path / "dam.json"
    path.write_text(
        json.dumps(
            {
                "uri": "https://news.example.com/dam-breach",
                "headline": HEADLINE,
                "description_text": "Water is rising in three villages.",
                "body_text": "Water is rising in three villages below the dam.",
                "urgency": 3,
            }
        )
    )
    out = served.bulletin("ingest", str(path), "--json").stdout.splitlines()
    return int(json.loads(out[0])["id"])


def _sent_in_full(page: Page) -> None:
    bar = page.get_by_role("progressbar", name="Delivery progress")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=30_000)
    expect(page.locator("#status")).to_have_text("sent", timeout=30_000)
    expect(page.get_by_role("button", name="Pause")).to_have_count(0)
    expect(page.locator("#started")).to_contain_text(" UTC")
    expect(page.locator("#finished")).to_contain_text(" UTC")
    expect(page.get_by_role("button", name="Cancel the rest")).to_have_count(0)


def test_editor_fires_an_alert_from_a_story_and_sends_a_threaded_update(
    desktop: Page, served: Served, tmp_path: Path
) -> None:
    reader = "valley.reader@readers.example.org"
    confirmed_reader(served, reader)
    editor = "flood.editor@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    story_id = _story(served, tmp_path)

    # The story's alert form, prefilled, with the preview at two widths and as plain text.
    desktop.goto(f"/desk/alerts/new?story={story_id}")
    expect(desktop.get_by_label("Headline", exact=True)).to_have_value(HEADLINE, timeout=WAIT)
    expect(desktop.get_by_label(re.compile("^Subject line"))).to_have_value(HEADLINE)
    for width in ("desktop", "phone"):
        frame = desktop.frame_locator(f"iframe.preview.{width}")
        expect(frame.get_by_text(HEADLINE)).to_be_visible(timeout=WAIT)
    desktop.get_by_label(re.compile("^Summary")).fill(SUMMARY)
    phone_preview = desktop.frame_locator("iframe.preview.phone")
    expect(phone_preview.locator("p", has_text=SUMMARY)).to_be_visible(timeout=WAIT)
    expect(desktop.locator("#preview-text")).to_contain_text("move to high ground now")
    assert_readable(desktop)
    assert_accessible(desktop)
    screenshot(desktop, "alert-01-compose", full_page=False)
    # A full-page capture blanks sandboxed frames in Chromium: the preview as the window shows it.
    desktop.locator("#preview").scroll_into_view_if_needed()
    assert_accessible(desktop)
    screenshot(desktop, "alert-01-compose-preview", full_page=False)
    # Back to the form, as a person would: headless Chromium loses a click on a button
    # it scrolled to from below these frames (no request leaves).
    desktop.evaluate("window.scrollTo(0, 0)")

    # A test send goes to the editor only, marked [TEST].
    # It is queued: its own page shows it sent by the worker, then leads back to the draft.
    desktop.get_by_role("button", name="Send a test").click()
    desktop.wait_for_url("**/desk/test-sends/*")
    expect(desktop.locator("#test-status")).to_contain_text(f"Test sent to {editor}", timeout=WAIT)
    assert served.caught_for(editor, "[TEST] " + HEADLINE).message["Subject"].startswith("[TEST]")
    desktop.get_by_role("button", name="Back to the alert").click()
    expect(desktop.get_by_label(re.compile("^Summary"))).to_have_value(SUMMARY)

    # The confirmation step states the count; Send opens the live progress view.
    desktop.get_by_role("button", name="Review before sending").click()
    count = int(desktop.locator("#recipient-count").inner_text().replace(",", ""))
    assert count >= 1
    assert_accessible(desktop)
    screenshot(desktop, "alert-02-confirm-count")
    desktop.get_by_role("button", name=re.compile(f"^Send to {count:,} reader")).click()
    expect(desktop.get_by_role("heading", name=HEADLINE)).to_be_visible(timeout=WAIT)
    _sent_in_full(desktop)
    expect(desktop.locator("#sent")).to_have_text(str(count))
    assert_accessible(desktop)
    screenshot(desktop, "alert-03-progress-complete")
    first_url = desktop.url

    first = served.caught_for(reader, HEADLINE).message
    desktop.goto("/desk/catcher")
    expect(desktop.get_by_role("link", name=HEADLINE).first).to_be_visible(timeout=WAIT)

    # "Send update": a follow-up threaded to the first alert.
    desktop.goto(first_url)
    desktop.get_by_role("link", name="Send update").click()
    expect(desktop.get_by_role("heading", name="Send an update")).to_be_visible(timeout=WAIT)
    expect(desktop.get_by_label(re.compile("^Subject line"))).to_have_value("Update: " + HEADLINE)
    desktop.get_by_label(re.compile("^Summary")).fill("The water is falling. Roads reopen at noon.")
    assert_accessible(desktop)
    screenshot(desktop, "alert-04-update-form")
    desktop.get_by_role("button", name="Review before sending").click()
    desktop.get_by_role("button", name=re.compile("^Send to .* reader")).click()
    expect(desktop.locator("#update-of")).to_contain_text(HEADLINE, timeout=WAIT)
    _sent_in_full(desktop)
    assert_accessible(desktop)
    screenshot(desktop, "alert-05-update-progress")

    update = served.caught_for(reader, "Update: " + HEADLINE).message
    assert update["In-Reply-To"] == first["Message-ID"]
    assert update["References"] == first["Message-ID"]
    desktop.goto(first_url)
    expect(desktop.locator("#updates")).to_contain_text("Update: " + HEADLINE, timeout=WAIT)
    assert_accessible(desktop)
    screenshot(desktop, "alert-06-original-with-update")
