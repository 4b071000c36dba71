"""The desk's readers in a real browser: the list with its filters on desktop and phone, a
reader's page with an action behind its confirm step, and a reload that posts nothing."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import (
    assert_readable,
    confirmed_reader,
    make_staff,
    screenshot,
    sign_in,
)
from tests.support.axe import assert_accessible
from tests.support.served import Served
from tests.support.web import signup_fields


def _pending_reader(served: Served, email: str) -> None:
    """A reader who signed up for the Morning Briefing and has not confirmed yet."""
    with httpx.Client(base_url=served.base_url) as client:
        form = client.get("/")
        data = {**signup_fields(form.text), "email": email, "lists": ["morning-briefing"]}
        assert client.post("/subscribe", data=data).status_code == 303


def _fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # type: ignore[index]


def test_the_list_shows_readers_with_their_lists_and_filters_them(
    desktop: Page, served: Served
) -> None:
    confirmed_reader(served, "list.confirmed@readers.example.org")
    _pending_reader(served, "list.pending@readers.example.org")
    editor = "list.editor@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "viewer"))
    desktop.get_by_role("link", name="Subscribers").click()
    rows = desktop.locator("tbody tr")
    expect(rows.first).to_be_visible()  # an empty search lists readers
    desktop.get_by_label(re.compile("^Find a reader by email address")).fill("LIST.")
    desktop.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("list.pending@readers.example.org")
    expect(rows.nth(0)).to_contain_text("Morning Briefing: pending")
    expect(rows.nth(1)).to_contain_text("Breaking News Alerts: confirmed")
    assert_readable(desktop)
    assert_accessible(desktop)
    screenshot(desktop, "desk-subscribers-01-list")

    desktop.get_by_label("Status").select_option("confirmed")
    desktop.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("list.confirmed@readers.example.org")
    expect(desktop.get_by_label("Status")).to_have_value("confirmed")
    assert_accessible(desktop)


def test_the_list_and_a_readers_page_fit_a_phone(phone: Page, served: Served) -> None:
    confirmed_reader(served, "phone.list@readers.example.org")
    admin = "phone.admin@news.example.com"
    sign_in(phone, admin, make_staff(served, admin, "admin"))
    phone.goto("/desk/subscribers?q=phone.list")
    _fits_the_screen(phone)
    assert_readable(phone)
    assert_accessible(phone)
    screenshot(phone, "desk-subscribers-02-list-phone")
    phone.get_by_role("link", name="phone.list@readers.example.org").click()
    expect(phone.get_by_role("heading", name="phone.list@readers.example.org")).to_be_visible()
    expect(phone.get_by_role("button", name="Suppress…")).to_be_visible()
    _fits_the_screen(phone)
    assert_accessible(phone)
    screenshot(phone, "desk-subscribers-03-reader-phone")


def test_unsubscribe_asks_first_and_a_reload_after_it_posts_nothing(
    desktop: Page, served: Served
) -> None:
    reader = "leaving.reader@readers.example.org"
    confirmed_reader(served, reader)
    editor = "audience.desk@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    desktop.goto("/desk/subscribers?q=leaving.reader")
    desktop.get_by_role("link", name=reader).click()
    reader_page = desktop.url
    assert_accessible(desktop)

    unsubscribe = desktop.get_by_role("button", name="Unsubscribe from Breaking News Alerts")
    unsubscribe.click()
    expect(desktop.get_by_role("heading", name=f"Take {reader} off Breaking")).to_be_visible()
    assert_readable(desktop)
    assert_accessible(desktop)
    screenshot(desktop, "desk-subscribers-04-confirm-unsubscribe")
    desktop.get_by_role("link", name="No, go back").click()
    expect(desktop.locator("tbody").first).to_contain_text("confirmed")  # nothing changed

    unsubscribe.click()
    desktop.get_by_role("button", name="Unsubscribe from Breaking News Alerts").click()
    expect(desktop.get_by_role("status")).to_have_text("Unsubscribed from Breaking News Alerts.")
    assert desktop.url == reader_page  # post/redirect/get: the address is the reader's page
    expect(desktop.locator("tbody").first).to_contain_text("unsubscribed")
    assert_accessible(desktop)  # with the flash message on it
    screenshot(desktop, "desk-subscribers-05-unsubscribed")

    methods: list[str] = []

    def note(request: Request) -> None:
        methods.append(request.method)

    desktop.on("request", note)
    desktop.reload()
    expect(desktop.get_by_role("heading", name=reader)).to_be_visible()
    assert "POST" not in methods and methods[0] == "GET"
    expect(desktop.locator("p.flash")).to_have_count(0)  # the message was shown once
    expect(unsubscribe).to_have_count(0)  # nothing left to leave
