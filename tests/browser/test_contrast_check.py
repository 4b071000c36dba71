"""The contrast check the page tests rely on finds unreadable text and passes readable text."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.browser.conftest import CONTRAST_CHECK


def test_contrast_check_flags_pale_text_and_accepts_dark_text(browser: Browser) -> None:
    page = browser.new_page()
    page.set_content(
        """<body style="background:#fff">
        <p style="color:#aaa">Pale grey words</p>
        <p style="color:#767676">Just dark enough</p>
        <h1 style="color:#949494;font-size:32px">Large pale heading</h1>
        <div style="background:#161616"><span style="color:#fff">White on black</span></div>
        </body>"""
    )
    problems = page.evaluate(CONTRAST_CHECK)
    page.close()
    assert len(problems) == 1 and "Pale grey words" in problems[0]
