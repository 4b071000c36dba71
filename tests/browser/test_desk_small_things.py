"""Issue 22's smaller points in a real browser: sign-in keeps the page asked for, words said
once, an audit log without "None", buttons that read apart, a chart readable on a phone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, PHONE, confirmed_reader, make_staff
from tests.support.axe import assert_accessible
from tests.support.served import Served


def _signed_in_at(page: Page, email: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_signing_in_returns_to_the_page_asked_for(desktop: Page, served: Served) -> None:
    editor = "small.return@news.example.com"
    make_staff(served, editor, "editor")
    desktop.goto("/desk/audit?before=999999")
    expect(desktop.get_by_role("heading", name=re.compile("Sign in"))).to_be_visible()
    assert_accessible(desktop)
    _signed_in_at(desktop, editor)
    desktop.wait_for_url("**/desk/audit?before=999999")
    expect(desktop.get_by_role("heading", name="Audit log")).to_be_visible()
    # An address elsewhere is never where sign-in leads (no open redirect).
    desktop.get_by_role("button", name="Sign out").click()
    desktop.goto("/desk/login?next=https://evil.example.org/")
    _signed_in_at(desktop, editor)
    desktop.wait_for_url(re.compile(r"/desk$"))


def test_a_story_without_a_headline_says_so_once_and_the_audit_log_names_things(
    desktop: Page, served: Served, tmp_path: Path
) -> None:
    path = tmp_path / "nameless.json"
    path.write_text(
        json.dumps(
            {
                "type": "text",
                "uri": "https://news.example.com/2030/nameless",
                "body_text": "A story that came without a headline. It needs one.",
            }
        )
    )
    out = served.bulletin("ingest", str(path), "--json").stdout.splitlines()
    story = int(json.loads(out[0])["id"])
    admin = "small.admin@news.example.com"
    make_staff(served, admin, "admin")
    desktop.goto("/desk/login")
    _signed_in_at(desktop, admin)
    desktop.wait_for_url("**/desk")

    desktop.goto("/desk/stories?needs_headline=yes")
    row = desktop.locator("#stories tr", has=desktop.locator(f'a[href="/desk/stories/{story}"]'))
    expect(row).to_have_count(1)
    assert len(re.findall("needs a headline", row.inner_text(), re.I)) == 1  # not doubled
    assert "needs headline" not in row.inner_text()
    assert_accessible(desktop)

    desktop.goto(f"/desk/stories/{story}")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("(This story needs a headline)")
    expect(desktop.locator("#fire-alert")).to_have_count(0)  # nothing offered that cannot go
    expect(desktop.locator("article li:empty")).to_have_count(0)  # no empty image bullet

    desktop.goto("/desk/audit")
    expect(desktop.locator("main")).not_to_contain_text("None")
    assert_accessible(desktop)

    # Users: each account's actions are separate buttons, named for the account.
    desktop.goto("/desk/users")
    row = desktop.locator(f'#users tr[data-email="{admin}"]')
    expect(row.get_by_role("button", name=f"Set role for {admin}")).to_have_count(1)
    expect(row.get_by_role("button", name=re.compile(f"^(Disable|Enable) {admin}$"))).to_have_count(
        1
    )
    assert "Set roleDisable" not in row.inner_text().replace(" ", "")
    assert_accessible(desktop)


def test_a_report_s_chart_is_readable_on_a_phone(phone: Page, served: Served) -> None:
    confirmed_reader(served, "small.chart.reader@readers.example.org")
    sent = served.bulletin(
        "alert",
        "send",
        "--headline",
        "Chart check alert",
        "--summary",
        "Counted on the chart.",
        "--url",
        "https://news.example.com/chart",
        "--wait",
    )
    assert "1 readers" not in sent.stdout  # the count reads as English
    campaign = re.search(r"Alert (\d+) queued", sent.stdout)
    assert campaign
    viewer = "small.chart@news.example.com"
    make_staff(served, viewer, "viewer")
    phone.goto(f"/desk/campaigns/{campaign.group(1)}/report")
    _signed_in_at(phone, viewer)
    phone.wait_for_url(f"**/desk/campaigns/{campaign.group(1)}/report")
    chart = phone.locator("#sent-chart")
    expect(chart).to_be_visible()
    # Every word around the chart is page text at a readable size, not shrunken SVG text.
    sizes = phone.locator("main").evaluate(
        """m => [...m.querySelectorAll('svg text, figure figcaption, figure p, figure span')]
                 .map(e => parseFloat(getComputedStyle(e).fontSize) *
                       (e.closest('svg') ? e.closest('svg').getBoundingClientRect().width /
                        (e.closest('svg').viewBox.baseVal.width || 1) : 1))"""
    )
    assert sizes and min(sizes) >= 11, sizes
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(phone)
