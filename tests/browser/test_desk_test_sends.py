"""A test send in a real browser: queued at once, shown pending, then each address's reply.

The relay is a real SMTP server on loopback that holds the message until the test lets
it go, so the page is seen while the worker is still waiting on the relay; one staff
address is refused, so its own reply is shown beside the one that was sent.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, make_staff, sign_in
from tests.support.axe import assert_accessible
from tests.support.served import Served, serving
from tests.support.smtp_sink import SinkHandler, SmtpSink

WAIT = 20_000
EDITOR = "held.editor@news.example.com"
STAFF = "chief@news.example.com"
GONE = "gone@news.example.com"


class HeldHandler(SinkHandler):
    """Answers each message's DATA only once `release` is set: a relay that is slow on cue."""

    def __init__(self) -> None:
        super().__init__(rcpt_replies={GONE: "550 5.1.1 No such mailbox here"})
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
        return await super().handle_DATA(server, session, envelope)


class HeldSink(SmtpSink):
    def __init__(self) -> None:
        super().__init__()
        self.held = HeldHandler()
        self.handler = self.held
        self._controller.handler = self.held


@pytest.fixture(scope="module")
def held() -> Iterator[HeldSink]:
    sink = HeldSink()
    sink.start()
    yield sink
    sink.held.release.set()
    sink.stop()


@pytest.fixture(scope="module")
def relayed(tmp_path_factory: pytest.TempPathFactory, held: HeldSink) -> Iterator[Served]:
    env = {"BULLETIN_RELAYS": held.url, "BULLETIN_STAFF_SEED_LIST": f"{EDITOR},{STAFF},{GONE}"}
    with serving(tmp_path_factory.mktemp("held"), env) as running:
        yield running


@pytest.fixture
def phone_page(browser: Browser, relayed: Served) -> Iterator[Page]:
    context = browser.new_context(
        base_url=relayed.base_url,
        viewport=PHONE,  # type: ignore[arg-type]
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_an_alert_test_is_shown_pending_then_each_address_s_reply(
    phone_page: Page, relayed: Served, held: HeldSink, tmp_path: Path
) -> None:
    page = phone_page
    sign_in(page, EDITOR, make_staff(relayed, EDITOR, "editor"))
    page.goto("/desk/alerts/new")
    page.get_by_label("Headline", exact=True).fill("Bridge closed after crash")
    page.get_by_label(re.compile("^Summary")).fill("Traffic is diverted through the old town.")
    page.get_by_label("Link to the story").fill("https://news.example.com/bridge")
    page.get_by_role("button", name="Send a test").tap()

    # The page answers while the relay still holds the message: nothing was waited for.
    page.wait_for_url("**/desk/test-sends/*")
    assert "Bridge" not in page.url
    expect(page.get_by_role("heading", name="Test send: Bridge closed after crash")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Test queued for")).to_contain_text(STAFF)
    status = page.locator("#test-status")
    assert status.get_attribute("data-status") in ("queued", "sending")
    expect(status).to_contain_text("This page updates by itself")
    rows = page.locator("#test-results tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text=STAFF)).to_contain_text(re.compile("Waiting|Sending"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    assert held.received == []

    held.held.release.set()
    # The page looks again by itself until the worker has every reply.
    expect(status).to_have_attribute("data-status", "done", timeout=WAIT)
    expect(status).to_contain_text("2 of 3 sent")
    expect(status).to_contain_text(f"Not sent to {GONE}: 550 5.1.1 No such mailbox here")
    expect(rows.filter(has_text=STAFF)).to_contain_text("Sent")
    expect(rows.filter(has_text=GONE)).to_contain_text("Not sent")
    assert_accessible(page)
    page.reload()  # the finished page is the same when opened again, its message gone
    expect(status).to_contain_text("2 of 3 sent")
    expect(page.get_by_role("status").filter(has_text="Test queued for")).to_have_count(0)
    assert sorted(r.rcpt_tos[0] for r in held.received) == [STAFF, EDITOR]

    # Back to the draft as written, to review and send it.
    page.get_by_role("button", name="Back to the alert").tap()
    expect(page.get_by_label("Headline", exact=True)).to_have_value("Bridge closed after crash")
    expect(page.get_by_label(re.compile("^Summary"))).to_have_value(
        "Traffic is diverted through the old town."
    )
