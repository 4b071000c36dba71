"""An admin changes the footer on the settings page of a running `bulletin serve`, and
the next alert its worker sends carries it; the form passes axe on a desktop."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, confirmed_reader, make_staff, screenshot, sign_in
from tests.support.axe import assert_accessible
from tests.support.served import Served

FOOTER = "Spotted an error? Write to corrections@news.example.com."


def save_footer(page: Page, text: str) -> None:
    page.goto("/desk/settings")
    page.get_by_label("Footer text").fill(text)
    page.get_by_role("button", name="Save settings").click()


def test_an_admin_sets_the_footer_and_the_next_alert_has_it(desktop: Page, served: Served) -> None:
    reader = "settings.reader@readers.example.org"
    confirmed_reader(served, reader)
    admin = "settings.admin@news.example.com"
    sign_in(desktop, admin, make_staff(served, admin, "admin"))
    desktop.goto("/desk/settings")
    expect(desktop.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    assert_accessible(desktop)
    screenshot(desktop, "desk-settings-01-form")

    try:
        save_footer(desktop, FOOTER)
        expect(desktop.get_by_role("status")).to_contain_text("Saved: Footer text.")
        expect(desktop.locator("#footer_text-from")).to_contain_text(f"Set on the desk by {admin}")
        assert_accessible(desktop)
        screenshot(desktop, "desk-settings-02-saved")

        served.bulletin(
            "alert",
            "send",
            "--headline",
            "Ferry service suspended",
            "--summary",
            "Storms close the crossing.",
            "--url",
            "https://news.example.com/ferry",
        )
        caught = served.caught_for(reader, "Ferry service suspended").message
        body = caught.get_body(("plain",))
        assert body is not None and FOOTER in " ".join(body.get_content().split())
    finally:
        save_footer(desktop, "")  # the served app is shared with the other browser tests
    expect(desktop.locator("#footer_text-from")).to_contain_text("Default.")


def test_a_refused_value_is_explained_on_the_form(desktop: Page, served: Served) -> None:
    admin = "settings.admin2@news.example.com"
    sign_in(desktop, admin, make_staff(served, admin, "admin"))
    desktop.goto("/desk/settings")

    desktop.get_by_label("Stories per briefing").fill("40")
    desktop.get_by_role("button", name="Save settings").click()

    expect(desktop.get_by_role("alert")).to_contain_text("must be 1 to 10 stories")
    assert_accessible(desktop)


def test_the_settings_page_fits_a_phone(phone: Page, served: Served) -> None:
    admin = "settings.phone@news.example.com"
    sign_in(phone, admin, make_staff(served, admin, "admin"))
    phone.get_by_role("button", name="Menu").tap()
    phone.get_by_role("navigation", name="Desk").get_by_role("link", name="Settings").tap()
    expect(phone.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(phone)
    screenshot(phone, "desk-settings-03-phone")

    phone.get_by_label("Stories per briefing").fill("40")
    phone.get_by_role("button", name="Save settings").tap()
    expect(phone.get_by_role("alert")).to_contain_text("must be 1 to 10 stories")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(phone)
