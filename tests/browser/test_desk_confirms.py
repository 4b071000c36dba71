"""Every irreversible action asks first, in a real browser at phone and desktop sizes.

Briefing **Approve** and **Cancel this report** each open a page that says what will
happen; **No, go back** changes nothing, the page's own button acts, and a reload after
it posts nothing again. (A campaign's **Cancel the rest** is tried while a send runs:
test_desk_while_sending.py.) axe-core checks every page on the way.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import confirmed_reader, make_staff, sign_in
from tests.support.axe import assert_accessible
from tests.support.served import Served

DATE = "2030-02-12"  # a Tuesday of its own: no other browser test touches this edition


def _checked(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]  # type: ignore[index]
    assert_accessible(page)


def _ingest(served: Served, tmp_path: Path) -> None:
    item = {
        "uri": "https://news.example.com/2030/confirm-tram",
        "type": "text",
        "headline": "Night trams run from February",
        "description_text": "Trams will run all night at weekends. The trial lasts a year.",
        "body_text": "The city agreed the trial on Monday.",
    }
    path = tmp_path / "tram.json"
    path.write_text(json.dumps(item))
    served.bulletin("ingest", str(path))


def test_approve_asks_first_on_a_phone_and_a_reload_approves_nothing(
    phone: Page, served: Served, tmp_path: Path
) -> None:
    _ingest(served, tmp_path)
    confirmed_reader(served, "confirm.morning@readers.example.org", ("morning-briefing",))
    editor = "confirm.briefing@news.example.com"
    sign_in(phone, editor, make_staff(served, editor, "editor"))
    phone.goto(f"/desk/briefing?date={DATE}")
    if phone.get_by_role("button", name="Assemble now").count():
        phone.get_by_role("button", name="Assemble now").tap()
    expect(phone.locator("h1 .status")).to_have_text("draft")

    # Approve asks first; No, go back leaves the edition a draft.
    phone.get_by_role("button", name="Approve", exact=True).tap()
    expect(
        phone.get_by_role("heading", name=re.compile("^Approve the briefing for"))
    ).to_be_visible()
    _checked(phone)
    phone.get_by_role("link", name="No, go back").tap()
    expect(phone.locator("h1 .status")).to_have_text("draft")
    phone.get_by_role("button", name="Approve", exact=True).tap()
    phone.get_by_role("button", name="Approve and send").tap()
    expect(phone.locator("h1 .status")).to_have_text(re.compile("approved|sending"))
    approved = phone.get_by_role("status").filter(has_text="Approved")
    expect(approved).to_be_visible()
    _checked(phone)
    phone.reload()  # the page after the post: no second approval, no message again
    expect(approved).to_have_count(0)
    expect(phone.get_by_role("button", name="Approve", exact=True)).to_have_count(0)


def test_cancel_this_report_asks_first_and_a_reload_posts_nothing(
    desktop: Page, served: Served
) -> None:
    editor = "confirm.report@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    desktop.goto("/desk/special-reports/new")
    desktop.get_by_label("Headline", exact=True).fill("The valley one year on")
    desktop.locator("#section_body_1").fill("<p>The river is back in its bed.</p>")
    desktop.get_by_label(re.compile("^Button link")).fill("https://news.example.com/valley")
    desktop.get_by_role("button", name="Save draft").click()
    later = datetime.now(UTC) + timedelta(days=30)
    desktop.get_by_label(re.compile("^Send at")).fill(f"{later:%Y-%m-%d} 09:00")
    desktop.get_by_role("button", name="Schedule", exact=True).click()
    expect(desktop.locator("#report-status")).to_have_text("scheduled")
    report_url = desktop.url.split("#")[0]

    # Headless Chromium can lose a click on a button below the sandboxed preview frames
    # (no request leaves): the button is brought into view first, as a person scrolls.
    cancel = desktop.get_by_role("button", name="Cancel this report")
    cancel.scroll_into_view_if_needed()
    cancel.click()
    expect(
        desktop.get_by_role("heading", name=re.compile("^Cancel special report"))
    ).to_be_visible()
    expect(desktop.locator("#consequence")).to_have_text("It will not be sent to anyone.")
    assert_accessible(desktop)
    desktop.get_by_role("link", name="No, go back").click()
    expect(desktop.locator("#report-status")).to_have_text("scheduled")

    cancel.scroll_into_view_if_needed()
    cancel.click()
    cancel.click()  # the confirm page's own button, named the same
    expect(desktop.locator("#report-status")).to_have_text("cancelled")
    done = desktop.get_by_role("status").filter(has_text="Cancelled: it will not be sent")
    expect(done).to_have_count(1)
    assert desktop.url.split("#")[0] == report_url  # back on the report, not on a post's address
    expect(desktop.get_by_role("button", name="Cancel this report")).to_have_count(0)
    assert_accessible(desktop)
    desktop.reload()
    expect(done).to_have_count(0)
    expect(desktop.locator("#report-status")).to_have_text("cancelled")
