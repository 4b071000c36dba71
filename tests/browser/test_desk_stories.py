"""Staff in a real browser: an editor finds, reads and edits a story; an admin adds a viewer."""

from __future__ import annotations

import json
import re
import uuid
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


def _wire_stories(served: Served, tmp_path: Path, marker: str) -> None:
    items = [
        {
            "uri": f"urn:newsml:wire.example:{marker}-1",
            "headline": f"Ferry service suspended {marker}",
            "description_text": "Gales are expected through the weekend.",
            "byline": "By Kim Harbour and Reuters",
            "located": "DOVER",
            "genres": [{"name": "Travel"}],
            "body_html": "<p>All crossings were cancelled on Friday as gales arrived.</p>"
            "<p>Operators said refunds would be offered.</p>",
        },
        {
            "uri": f"urn:newsml:wire.example:{marker}-2",
            "headline": f"Council approves budget {marker}",
            "body_html": "<p>The vote passed narrowly.</p>",
        },
    ]
    path = tmp_path / "wire.json"
    path.write_text(json.dumps(items))
    served.bulletin("ingest", str(path))


def test_editor_searches_opens_and_edits_a_story(
    desktop: Page, served: Served, tmp_path: Path
) -> None:
    marker = uuid.uuid4().hex[:8]
    _wire_stories(served, tmp_path, marker)
    editor = f"story.editor.{marker}@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))

    desktop.get_by_role("navigation", name="Desk").get_by_role("link", name="Stories").click()
    expect(desktop.get_by_role("heading", name="Stories", exact=True)).to_be_visible()
    desktop.get_by_label("Search headlines and text").fill(f"ferry service suspended {marker}")
    desktop.get_by_role("button", name="Search").click()
    results = desktop.locator("#stories tbody")
    expect(results).to_contain_text(f"Ferry service suspended {marker}")
    expect(results).not_to_contain_text(f"Council approves budget {marker}")
    assert_readable(desktop)
    assert_accessible(desktop)
    screenshot(desktop, "desk-stories-01-search")

    desktop.get_by_role("link", name=f"Ferry service suspended {marker}").click()
    expect(desktop.locator("#dek")).to_have_text("Gales are expected through the weekend.")
    expect(desktop.locator("main")).to_contain_text("Kim Harbour")
    expect(desktop.locator("article")).to_contain_text("Operators said refunds would be offered.")
    assert_accessible(desktop)
    screenshot(desktop, "desk-stories-02-story")

    new_headline = f"All ferries cancelled as gales hit {marker}"
    desktop.get_by_label("Headline", exact=True).fill(new_headline)
    desktop.get_by_role("button", name="Save").click()
    expect(desktop.get_by_role("status")).to_contain_text("Saved as version 2")
    expect(desktop.locator("#headline")).to_have_text(new_headline)
    expect(desktop.locator("#versions tbody tr")).to_have_count(2)
    desktop.reload()  # the page after the post: no third version, the message gone
    expect(desktop.locator("#versions tbody tr")).to_have_count(2)
    expect(desktop.get_by_role("status").filter(has_text="Saved as version")).to_have_count(0)
    fire = desktop.get_by_role("link", name="Fire alert from this story")
    expect(fire).to_have_attribute("href", re.compile(r"^/desk/alerts/new\?story=\d+$"))
    assert_readable(desktop)
    assert_accessible(desktop)
    screenshot(desktop, "desk-stories-03-edited")


def test_admin_creates_a_viewer_who_then_signs_in(desktop: Page, served: Served) -> None:
    marker = uuid.uuid4().hex[:8]
    admin = f"admin.{marker}@news.example.com"
    sign_in(desktop, admin, make_staff(served, admin, "admin"))
    desktop.get_by_role("navigation", name="Desk").get_by_role("link", name="Users").click()
    viewer = f"viewer.{marker}@news.example.com"
    form = desktop.locator("#new-user")
    form.get_by_label("Email").fill(viewer)
    form.get_by_label("Name").fill("Vic Viewer")
    form.get_by_label("Role").select_option("viewer")
    form.get_by_label(re.compile("^Password")).fill("viewer-browser-password")
    form.get_by_role("button", name="Create account").click()
    expect(desktop.get_by_role("status")).to_contain_text(f"Account created for {viewer} (viewer)")
    expect(desktop.locator(f'#users tr[data-email="{viewer}"]')).to_contain_text("viewer")
    desktop.reload()  # no second account, no second message
    expect(desktop.locator(f'#users tr[data-email="{viewer}"]')).to_have_count(1)
    expect(desktop.get_by_role("status").filter(has_text="Account created")).to_have_count(0)
    assert_readable(desktop)
    assert_accessible(desktop)
    screenshot(desktop, "desk-users-01-created")

    desktop.get_by_role("navigation", name="Desk").get_by_role("link", name="Settings").click()
    expect(desktop.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    assert_accessible(desktop)
    screenshot(desktop, "desk-settings-01")

    desktop.get_by_role("button", name="Sign out").click()
    sign_in(desktop, viewer, "viewer-browser-password")
    desktop.goto("/desk/stories")
    expect(desktop.get_by_text("Bring in a story")).to_have_count(0)
    nav = desktop.get_by_role("navigation", name="Desk")
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)


def test_a_campaign_report_shows_counts_and_the_sent_chart(desktop: Page, served: Served) -> None:
    marker = uuid.uuid4().hex[:8]
    confirmed_reader(served, f"report.reader.{marker}@readers.example.org")
    sent = served.bulletin(
        "alert",
        "send",
        "--headline",
        f"Report test alert {marker}",
        "--summary",
        "Counted in the report.",
        "--url",
        "https://news.example.com/report-test",
        "--wait",
    )
    campaign = re.search(r"Alert (\d+) queued", sent.stdout)
    assert campaign
    viewer = f"report.viewer.{marker}@news.example.com"
    sign_in(desktop, viewer, make_staff(served, viewer, "viewer"))
    desktop.goto(f"/desk/campaigns/{campaign.group(1)}")
    desktop.get_by_role("link", name=re.compile("^Report")).click()
    expect(
        desktop.get_by_role("heading", name=f"Report: Report test alert {marker}")
    ).to_be_visible()
    expect(desktop.locator("#failed")).to_have_text("0")
    chart = desktop.locator("#sent-chart")
    expect(chart).to_be_visible()
    total = int(chart.get_attribute("data-total") or "0")
    bars = [
        int(c) for c in chart.locator("rect.bar").evaluate_all("bs => bs.map(b => b.dataset.count)")
    ]
    assert sum(bars) == total == int(desktop.locator("#delivered").inner_text()) >= 1
    assert_readable(desktop)
    assert_accessible(desktop)
    screenshot(desktop, "desk-report-01")
