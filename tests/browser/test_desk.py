"""Staff in a real browser: an editor fires an alert and finds it in the catcher; roles and CSRF.

The whole alert flow from a story (preview, test, confirmation, live progress, threaded
update) is in test_alert_flow.py.
"""

from __future__ import annotations

import re

import httpx
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


def test_editor_fires_an_alert_from_the_desk_and_it_is_caught(
    desktop: Page, served: Served
) -> None:
    reader = "desk.reader@readers.example.org"
    confirmed_reader(served, reader)
    editor = "night.editor@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    expect(desktop.get_by_role("heading", name="Readers")).to_be_visible()
    assert_readable(desktop)
    assert_accessible(desktop)
    screenshot(desktop, "desk-01-dashboard")

    desktop.get_by_role("link", name="Write a breaking alert").click()
    desktop.get_by_label("Headline", exact=True).fill("Harbour fire forces evacuations")
    desktop.get_by_label(re.compile("^Summary")).fill(
        "A fire at the container terminal has spread. Residents nearby are told to leave."
    )
    desktop.get_by_label("Link to the story").fill("https://news.example.com/harbour-fire")
    desktop.get_by_role("button", name="Review before sending").click()
    desktop.get_by_role("button", name=re.compile("^Send to .* reader")).click()
    expect(desktop.get_by_role("heading", name="Harbour fire forces evacuations")).to_be_visible()
    assert_accessible(desktop)
    screenshot(desktop, "desk-02-alert-fired")

    caught = served.caught_for(reader, "Harbour fire forces evacuations")
    assert caught.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    desktop.goto("/desk/catcher")
    desktop.get_by_role("link", name="Harbour fire forces evacuations").first.click()
    expect(desktop.get_by_role("heading", name="Harbour fire forces evacuations")).to_be_visible()
    expect(desktop.locator("pre.plain")).to_contain_text("Manage your emails")
    assert_accessible(desktop)
    screenshot(desktop, "desk-03-caught-alert")

    desktop.goto("/desk/subscribers")
    desktop.get_by_label("Find a reader by email address").fill("desk.reader")
    desktop.get_by_role("button", name="Search").click()
    desktop.get_by_role("link", name=reader).click()
    expect(desktop.locator("main")).to_contain_text("Harbour fire forces evacuations")
    assert_readable(desktop)
    assert_accessible(desktop)
    screenshot(desktop, "desk-04-reader-record")

    desktop.goto("/desk/audit")
    expect(desktop.locator("main")).to_contain_text(editor)
    assert_accessible(desktop)
    screenshot(desktop, "desk-05-audit-log")


def test_a_viewer_sees_the_desk_but_cannot_send(desktop: Page, served: Served) -> None:
    viewer = "intern@news.example.com"
    sign_in(desktop, viewer, make_staff(served, viewer, "viewer"))
    expect(desktop.get_by_text("Your role can view the desk but not send alerts.")).to_be_visible()
    expect(desktop.get_by_label("Headline", exact=True)).to_have_count(0)
    assert_accessible(desktop)
    screenshot(desktop, "desk-06-viewer-dashboard")
    desktop.set_viewport_size({"width": 390, "height": 844})
    for path in ("/desk", "/desk/subscribers", "/desk/audit", "/desk/catcher"):
        desktop.goto(path)
        assert desktop.evaluate("document.documentElement.scrollWidth") <= 390, path
        assert_accessible(desktop)
    desktop.goto("/desk")
    assert_accessible(desktop)
    screenshot(desktop, "desk-07-viewer-dashboard-phone")

    # Even a hand-made request with this session's own CSRF token is refused.
    token = desktop.locator("input[name=csrf_token]").first.get_attribute("value")
    response = desktop.request.post(
        "/desk/alerts",
        form={
            "csrf_token": token or "",
            "headline": "Viewer alert",
            "summary": "Should never go out.",
            "url": "https://news.example.com/nope",
        },
    )
    assert response.status == 403
    assert "not change anything" in response.text()
    desktop.goto("/desk")
    expect(desktop.locator("main")).not_to_contain_text("Viewer alert")


def test_forms_posted_without_their_csrf_token_are_refused(desktop: Page, served: Served) -> None:
    editor = "day.editor@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    desktop.goto("/desk/alerts/new")
    desktop.get_by_label("Headline", exact=True).fill("Forged alert")
    desktop.get_by_label(re.compile("^Summary")).fill("Should never go out.")
    desktop.get_by_label("Link to the story").fill("https://news.example.com/forged")
    desktop.get_by_role("button", name="Review before sending").click()
    # The review page must have loaded: on a busy machine the old form was still there.
    expect(desktop.get_by_role("heading", name="Check and send")).to_be_visible()
    desktop.evaluate(
        "document.querySelector('form[action=\"/desk/alerts\"] [name=csrf_token]').remove()"
    )
    desktop.get_by_role("button", name=re.compile("^Send to")).click()
    expect(desktop.locator("main")).to_contain_text("did not come from this site")
    assert_accessible(desktop)
    desktop.goto("/desk")
    expect(desktop.locator("main")).not_to_contain_text("Forged alert")

    desktop.goto("/")
    desktop.get_by_label("Email address").fill("forged.signup@readers.example.org")
    desktop.evaluate("document.querySelector('[name=csrf_token]').remove()")
    desktop.get_by_role("button", name="Sign up").click()
    expect(desktop.locator("main")).to_contain_text("did not come from this site")
    assert_accessible(desktop)
    desktop.goto("/desk/subscribers?q=forged.signup")
    expect(desktop.locator("main")).to_contain_text("0 readers matching")


def test_an_admin_makes_an_api_key_that_the_api_accepts(desktop: Page, served: Served) -> None:
    admin = "chief@news.example.com"
    sign_in(desktop, admin, make_staff(served, admin, "admin"))
    desktop.get_by_role("link", name="API keys").click()
    desktop.get_by_label("Name").fill("CMS")
    desktop.get_by_label("Role").select_option("viewer")
    desktop.get_by_role("button", name="Create key").click()
    secret = desktop.locator("#new-key").inner_text().strip()
    assert_accessible(desktop)
    assert_accessible(desktop)
    screenshot(desktop, "desk-08-api-key-created")
    response = httpx.get(
        served.base_url + "/api/v1/subscribers", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200 and "items" in response.json()
    desktop.reload()
    expect(desktop.locator("main")).not_to_contain_text(secret)


def test_editor_imports_readers_from_a_csv_file(desktop: Page, served: Served) -> None:
    editor = "audience.editor@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    desktop.get_by_role("link", name="Subscribers").click()
    assert_accessible(desktop)
    screenshot(desktop, "desk-09-subscribers")

    def upload(data: str) -> None:
        desktop.goto("/desk/subscribers")
        desktop.get_by_label(re.compile("^CSV file")).set_input_files(
            {"name": "readers.csv", "mimeType": "text/csv", "buffer": data.encode()}
        )
        desktop.get_by_role("checkbox", name="Morning Briefing").check()
        desktop.get_by_label(re.compile("^Where did these readers agree")).fill(
            "Print subscribers' opt-in card"
        )
        desktop.get_by_role("checkbox", name=re.compile("^I confirm every reader")).check()
        desktop.get_by_role("button", name="Import").click()

    upload("email,time_zone\nprint.one@readers.example.org,Europe/Rome\nprint.two@,Europe/Rome\n")
    expect(desktop.get_by_role("alert")).to_contain_text(
        "Nothing was imported: 1 row has a problem"
    )
    assert_accessible(desktop)
    expect(desktop.locator("table")).to_contain_text("print.two@")
    assert_accessible(desktop)
    screenshot(desktop, "desk-10-import-refused")

    upload("email,time_zone\nprint.one@readers.example.org,Europe/Rome\n")
    expect(desktop.get_by_role("status")).to_contain_text("Imported. 1 subscription added")
    desktop.goto("/desk/subscribers?q=print.one")
    desktop.get_by_role("link", name="print.one@readers.example.org").click()
    expect(desktop.locator("main")).to_contain_text("Print subscribers' opt-in card")
    expect(desktop.locator("main")).to_contain_text("Europe/Rome")
