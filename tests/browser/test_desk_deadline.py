"""Issue 22 in a real browser: the desk on deadline, at desktop and phone sizes.

The alert comes first (a button, the N shortcut) and is sent from a phone in a few
taps from the dashboard, a story or a wire proposal; the phone menu folds; every post
lands back where the editor was, with its message once, and a reload posts nothing;
unknown addresses get a page; axe-core finds no violation on any page visited.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from bulletin.mail.catcher import caught
from tests.browser.conftest import PHONE, confirmed_reader, make_staff, sign_in
from tests.support.axe import assert_accessible
from tests.support.served import Served

WAIT = 20_000  # steps that wait on the server: the machine running the tests may be busy
DATE = "2030-01-15"  # a Tuesday, far from anything the running scheduler looks at


def _fits(page: Page) -> None:
    """Nothing off-screen sideways on a phone, and no accessibility violation."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    assert_accessible(page)


def _ingest(served: Served, tmp_path: Path, name: str, **item: object) -> int:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"type": "text", **item}))
    out = served.bulletin("ingest", str(path), "--json").stdout.splitlines()
    return int(json.loads(out[0])["id"])


def _send_from_the_form(phone: Page, *, summary: str | None = None) -> None:
    """Review, then send, by tapping; the campaign page then shows the send finishing."""
    if summary is not None:
        phone.get_by_label(re.compile("^Summary")).fill(summary)
    _fits(phone)
    phone.get_by_role("button", name="Review before sending").tap()
    send = phone.get_by_role("button", name=re.compile("^Send to .* reader"))
    expect(send).to_be_in_viewport(timeout=WAIT)
    _fits(phone)
    send.tap()
    expect(phone.locator("#status")).to_have_text("sent", timeout=30_000)
    expect(phone.get_by_role("button", name="Pause")).to_have_count(0)
    expect(phone.get_by_role("button", name="Cancel the rest")).to_have_count(0)
    _fits(phone)


def test_the_dashboard_leads_with_the_alert_and_n_opens_it(desktop: Page, served: Served) -> None:
    editor = "lead.editor@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    first = desktop.locator("main a.button").first
    expect(first).to_have_text("Write a breaking alert")
    expect(desktop.locator("main")).to_contain_text("press N on any desk page")
    assert_accessible(desktop)

    desktop.keyboard.press("n")
    desktop.wait_for_url("**/desk/alerts/new")
    expect(desktop.get_by_role("heading", name="Fire a breaking alert")).to_be_visible()

    # Inside a field an N is a letter: the briefing's search keeps it and the page stays.
    desktop.goto(f"/desk/briefing?date={DATE}")
    find = desktop.get_by_label(re.compile("^Add a story"))
    find.fill("")
    find.press("n")
    expect(find).to_have_value("n")
    assert "/desk/briefing" in desktop.url


def test_the_phone_menu_folds_behind_one_button_and_opens_by_keyboard(
    phone: Page, served: Served
) -> None:
    editor = "phone.menu@news.example.com"
    sign_in(phone, editor, make_staff(served, editor, "editor"))
    menu = phone.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(phone.get_by_role("link", name="Stories")).to_be_hidden()
    alert = phone.get_by_role("link", name="Write a breaking alert")
    expect(alert).to_be_in_viewport()  # on the first screen, not 1,100 px down
    _fits(phone)

    menu.focus()
    phone.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(phone.get_by_role("link", name="Stories")).to_be_visible()
    _fits(phone)
    phone.get_by_role("link", name="Stories").focus()
    phone.keyboard.press("Escape")
    expect(phone.get_by_role("link", name="Stories")).to_be_hidden()
    expect(menu).to_be_focused()


def test_a_phone_editor_sends_a_reviewed_alert_from_the_dashboard(
    phone: Page, served: Served
) -> None:
    confirmed_reader(served, "phone.dash.reader@readers.example.org")
    editor = "phone.dash@news.example.com"
    sign_in(phone, editor, make_staff(served, editor, "editor"))
    # Counted in steps, not seconds: the pages the editor passes through from the dashboard.
    pages: list[str] = []
    phone.on(
        "framenavigated",
        lambda frame: pages.append(frame.url) if frame == phone.main_frame else None,
    )
    phone.get_by_role("link", name="Write a breaking alert").tap()
    phone.get_by_label("Headline", exact=True).fill("Bridge closed after ship strike")
    phone.get_by_label("Link to the story").fill("https://news.example.com/bridge-closed")
    _send_from_the_form(phone, summary="A cargo ship hit the bridge at dawn. Use the tunnel.")
    # Three taps, three pages: the form, the review, the send's live page (the post's
    # redirect lands on the campaign's address).
    paths = [re.sub(r"^https?://[^/]+", "", url) for url in pages]
    assert paths[0] == "/desk/alerts/new" and paths[1] == "/desk/alerts/review", paths
    assert len(paths) == 3 and re.fullmatch(r"/desk/campaigns/\d+", paths[2]), paths
    phone.goto(phone.url + "/report")
    _fits(phone)


def test_a_phone_editor_sends_from_a_story_and_from_a_wire_proposal(
    phone: Page, served: Served, tmp_path: Path
) -> None:
    confirmed_reader(served, "phone.wire.reader@readers.example.org")
    story = _ingest(
        served,
        tmp_path,
        "ferry",
        uri="https://news.example.com/ferry-aground",
        headline="Ferry runs aground off the point",
        description_text="All 212 passengers are safe. Crossings are suspended.",
        body_text="The ferry ran aground in fog.",
    )
    wire = _ingest(
        served,
        tmp_path,
        "quake",
        uri="https://news.example.com/quake",
        headline="Strong earthquake shakes the capital",
        description_text="Buildings swayed for thirty seconds. No damage is reported yet.",
        body_text="The quake struck at noon.",
        urgency=1,
    )
    editor = "phone.wire@news.example.com"
    sign_in(phone, editor, make_staff(served, editor, "editor"))

    phone.goto(f"/desk/stories/{story}")
    _fits(phone)
    phone.get_by_role("link", name="Fire alert from this story").tap()
    expect(phone.get_by_label("Headline", exact=True)).to_have_value(
        "Ferry runs aground off the point"
    )
    _send_from_the_form(phone)

    phone.goto("/desk")
    proposal = phone.get_by_role("link", name=re.compile("^Prepare this alert.*Strong earthquake"))
    expect(proposal).to_be_visible()
    _fits(phone)
    proposal.tap()
    phone.wait_for_url(f"**/desk/alerts/new?story={wire}")
    _send_from_the_form(phone)


def _tests_caught(served: Served, subject: str) -> int:
    return sum(1 for m in caught(served.catcher_dir) if m.subject.startswith(subject))


def test_briefing_changes_land_beside_the_item_and_a_reload_posts_nothing(
    desktop: Page, served: Served, tmp_path: Path
) -> None:
    for n, headline in enumerate(("Tram line opens to the airport", "Library saved by donors")):
        _ingest(
            served,
            tmp_path,
            f"briefing-{n}",
            uri=f"https://news.example.com/2030/briefing-{n}",
            headline=headline,
            description_text=f"{headline}. More follows later today.",
            body_text="Text.",
        )
    editor = "deadline.briefing@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    desktop.goto(f"/desk/briefing?date={DATE}")
    expect(desktop.locator("h1 .status")).to_have_text("not assembled yet")
    desktop.get_by_role("button", name="Assemble now").click()
    expect(desktop.get_by_role("status").filter(has_text="Assembled.")).to_be_visible()
    assert desktop.url.endswith("#when")
    assert_accessible(desktop)

    tram = desktop.locator("li[data-story]", has_text="Tram line opens to the airport")
    tram_id = tram.get_attribute("data-story")
    desktop.get_by_role("button", name="Pin Tram line opens to the airport").click()
    expect(desktop.get_by_role("status").filter(has_text="Pinned.")).to_be_visible()
    assert desktop.url.endswith(f"/desk/briefing?date={DATE}#item-{tram_id}")
    expect(tram).to_be_in_viewport()  # the page opened at the item, not at the top
    expect(tram.locator(".status")).to_have_text("pinned")
    desktop.reload()
    expect(desktop.get_by_role("status").filter(has_text="Pinned.")).to_have_count(0)

    # Dropped, then found again by its headline (no story number needed) and added back.
    desktop.get_by_role("button", name="Drop Library saved by donors").click()
    expect(desktop.locator("li[data-story]", has_text="Library saved by donors")).to_have_count(0)
    desktop.get_by_label(re.compile("^Add a story")).fill("library saved")
    desktop.get_by_role("button", name="Find").click()
    desktop.get_by_role("button", name="Add Library saved by donors").click()
    expect(desktop.get_by_role("status").filter(has_text="Added.")).to_be_visible()
    expect(
        desktop.locator("li[data-story]", has_text="Library saved by donors")
    ).to_be_in_viewport()
    assert_accessible(desktop)

    desktop.get_by_role("button", name="Send a test").click()
    desktop.wait_for_url("**/desk/test-sends/*")
    expect(desktop.get_by_role("status").filter(has_text="Test queued for")).to_be_in_viewport()
    expect(desktop.locator("#test-status")).to_contain_text(f"Test sent to {editor}", timeout=WAIT)
    served.caught_for(editor, "[TEST] Morning Briefing")
    assert_accessible(desktop)
    before = _tests_caught(served, "[TEST] Morning Briefing")
    desktop.reload()
    expect(desktop.get_by_role("status").filter(has_text="Test queued for")).to_have_count(0)
    assert _tests_caught(served, "[TEST] Morning Briefing") == before
    desktop.get_by_role("link", name="Back to the briefing").click()
    expect(desktop.locator("li[data-story]", has_text="Library saved by donors")).to_be_visible()


def test_an_alert_test_send_reloads_without_sending_again(desktop: Page, served: Served) -> None:
    editor = "deadline.test@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    desktop.goto("/desk/alerts/new")
    desktop.get_by_label("Headline", exact=True).fill("Storm warning for the coast")
    desktop.get_by_label(re.compile("^Summary")).fill("Winds of 120 km/h are expected tonight.")
    desktop.get_by_label("Link to the story").fill("https://news.example.com/storm")
    desktop.get_by_role("button", name="Send a test").click()
    desktop.wait_for_url("**/desk/test-sends/*")
    assert "Storm" not in desktop.url  # the draft is in no address
    expect(desktop.locator("#test-status")).to_contain_text(f"Test sent to {editor}", timeout=WAIT)
    served.caught_for(editor, "[TEST] Storm warning for the coast")
    assert_accessible(desktop)
    desktop.reload()
    expect(desktop.get_by_role("status").filter(has_text="Test queued for")).to_have_count(0)
    assert _tests_caught(served, "[TEST] Storm warning for the coast") == 1
    desktop.get_by_role("button", name="Back to the alert").click()
    expect(desktop.get_by_label("Headline", exact=True)).to_have_value(
        "Storm warning for the coast"
    )
    expect(desktop.get_by_label("Link to the story")).to_have_value(
        "https://news.example.com/storm"
    )


def test_unknown_addresses_get_pages_and_the_api_json(desktop: Page, served: Served) -> None:
    missing = desktop.goto("/no-such-page")
    assert missing is not None and missing.status == 404
    expect(desktop.get_by_role("heading", name="We couldn't find that page")).to_be_visible()
    assert_accessible(desktop)

    editor = "deadline.lost@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    desk = desktop.goto("/desk/no-such-page")
    assert desk is not None and desk.status == 404
    expect(desktop.get_by_role("navigation", name="Desk")).to_be_visible()
    assert_accessible(desktop)

    api = httpx.get(served.base_url + "/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    icon = httpx.get(served.base_url + "/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/")
