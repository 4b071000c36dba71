"""The axe-core check the page tests rely on finds real violations, names them, and
passes a clean page, including one under Bulletin's own content security policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import make_staff, sign_in
from tests.support.axe import assert_accessible, violations
from tests.support.served import Served


def test_axe_finds_an_image_without_words_and_a_nameless_button(browser: Browser) -> None:
    page = browser.new_page()
    page.set_content(
        """<!doctype html><html lang="en"><head><title>Broken</title></head><body>
        <main><h1>Broken</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
        <button></button></main></body></html>"""
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    page.close()
    message = str(failure.value)
    assert "image-alt (critical)" in message
    assert "button-name (critical)" in message
    assert "    img:" in message  # each element is listed under its rule


def test_axe_passes_a_clean_page(browser: Browser) -> None:
    page = browser.new_page()
    page.set_content(
        """<!doctype html><html lang="en"><head><title>Clean</title></head><body>
        <main><h1>Clean</h1><p>Words.</p><button type="button">Send</button></main>
        </body></html>"""
    )
    assert violations(page) == []
    page.close()


def test_axe_runs_under_the_desk_content_security_policy(desktop: Page, served: Served) -> None:
    editor = "axe.editor@news.example.com"
    sign_in(desktop, editor, make_staff(served, editor, "editor"))
    assert desktop.evaluate("typeof window.axe") == "undefined"
    violations(desktop)
    # Injected once per document, and really run: axe is now defined on the page.
    assert desktop.evaluate("typeof window.axe.run") == "function"
