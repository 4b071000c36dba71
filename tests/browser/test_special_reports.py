"""An editor writes a special report in a real browser, previews it, tests it and schedules it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_readable, make_staff, screenshot, sign_in
from tests.support.axe import assert_accessible
from tests.support.served import Served


def test_editor_writes_previews_tests_and_schedules_a_report(desktop: Page, served: Served) -> None:
    editor = "features.editor@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    desktop.get_by_role("link", name="Special reports").click()
    desktop.get_by_role("link", name="New special report").click()

    desktop.get_by_label("Headline", exact=True).fill("The town that moved uphill")
    desktop.get_by_label(re.compile("^Dek")).fill(
        "After the third flood, everyone left the valley."
    )
    desktop.get_by_label("Image address").first.fill("https://img.example.com/uphill.jpg")
    desktop.get_by_label("Credit").first.fill("M. Rossi / Staff")
    desktop.locator("#section_heading_1").fill("The decision")
    desktop.locator("#section_body_1").fill(
        "<p>The vote was unanimous.</p><script>alert('x')</script>"
    )
    desktop.get_by_label(re.compile("^Button link")).fill("https://news.example.com/uphill")
    desktop.get_by_role("button", name="Save draft").click()

    expect(desktop.locator("#report-status")).to_have_text("draft")
    phone_frame = desktop.frame_locator("iframe[title='Phone preview']")
    expect(phone_frame.get_by_text("The vote was unanimous.")).to_be_visible()
    expect(phone_frame.locator("script")).to_have_count(0)

    send_test = desktop.get_by_role("button", name="Send a test")
    send_test.scroll_into_view_if_needed()
    with desktop.expect_response(re.compile(r"/test-send$")) as sent:
        send_test.click()
    assert sent.value.status == 303  # post/redirect/get: a reload sends no second test
    desktop.wait_for_url("**/desk/test-sends/*")
    expect(desktop.locator("#test-status")).to_contain_text(f"Test sent to {editor}")
    assert_readable(desktop)
    assert_accessible(desktop)
    desktop.get_by_role("link", name="Back to the special report").click()
    # The sandboxed preview frames have an opaque origin: a full-page capture blanks them.
    desktop.get_by_role("heading", name="Preview").scroll_into_view_if_needed()
    screenshot(desktop, "special-01-preview", full_page=False)
    caught = served.caught_for(editor, "[TEST] The town that moved uphill")
    assert caught.message["List-Id"].startswith('"Special Reports" <special-reports.')

    # The time is typed as the rest of the desk writes it; a past one is refused once.
    desktop.get_by_label(re.compile("^Send at")).fill("2020-01-01 09:00")
    desktop.get_by_role("button", name="Schedule", exact=True).click()
    expect(desktop.get_by_role("alert").filter(has_text="already passed")).to_have_count(1)
    assert_accessible(desktop)

    tomorrow = datetime.now(UTC) + timedelta(days=1)
    desktop.get_by_label(re.compile("^Send at")).fill(f"{tomorrow:%Y-%m-%d} 09:15")
    desktop.get_by_role("button", name="Schedule", exact=True).click()
    expect(desktop.locator("#report-status")).to_have_text("scheduled")
    expect(desktop.locator("#report-when")).to_contain_text(
        f"{tomorrow.day} {tomorrow:%b %Y}, 09:15"
    )
    scheduled = desktop.get_by_role("status").filter(has_text="Scheduled.")
    expect(scheduled).to_have_count(1)
    desktop.reload()  # the page after the post: scheduled once, said once
    expect(scheduled).to_have_count(0)
    expect(desktop.locator("#report-status")).to_have_text("scheduled")
    screenshot(desktop, "special-02-scheduled")

    desktop.set_viewport_size({"width": 390, "height": 844})
    desktop.goto("/desk/special-reports")
    expect(desktop.get_by_role("link", name="The town that moved uphill")).to_be_visible()
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(desktop)
    screenshot(desktop, "special-03-list-phone")
