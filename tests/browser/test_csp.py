"""The content security policy in a real browser: pages work and nothing is refused
(no inline script is left to block), and the API docs render from Bulletin's own copy."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import make_staff, sign_in
from tests.support.served import Served


def _refusals(page: Page) -> list[str]:
    """Every console message in which the browser says the policy refused something."""
    seen: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.on("console", note)
    return seen


def test_reader_pages_run_their_scripts_under_the_policy(desktop: Page) -> None:
    refused = _refusals(desktop)

    desktop.goto("/")
    expect(desktop.locator("#time_zone")).not_to_have_value("")  # time-zone.js ran
    desktop.goto("/embed")
    desktop.wait_for_load_state("load")

    assert refused == []


def test_the_desk_and_the_api_docs_work_under_the_policy(desktop: Page, served: Served) -> None:
    refused = _refusals(desktop)
    password = make_staff(served, "csp-editor@news.example.com", "editor")

    sign_in(desktop, "csp-editor@news.example.com", password)
    desktop.goto("/desk/alerts/new")
    desktop.goto("/api/v1/docs")
    expect(desktop.locator(".swagger-ui .info .title")).to_be_visible(timeout=15_000)

    assert refused == []
