"""Desk pages watched while a send is under way, in a real browser at a phone's size.

The relay is a real SMTP server on loopback that holds messages until the test lets
them go, so a page is seen while a worker still waits on the relay: a test send shown
pending then with each address's reply (one staff address refused); a campaign whose
live page drops Pause and Cancel the moment its send finishes, without a reload; and
Cancel the rest, which asks first, while a send runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, make_staff, sign_in
from tests.support.axe import assert_accessible
from tests.support.held_relay import HeldRelay
from tests.support.served import Served, serving, wait_for
from tests.support.web import csrf_from, link_in, signup_fields

WAIT = 20_000
EDITOR = "held.editor@news.example.com"
STAFF = "chief@news.example.com"
GONE = "gone@news.example.com"


@pytest.fixture(scope="module")
def held() -> Iterator[HeldRelay]:
    relay = HeldRelay()
    relay.handler.rcpt_replies[GONE] = "550 5.1.1 No such mailbox here"
    relay.start()
    yield relay
    relay.release()
    relay.stop()


@pytest.fixture(scope="module")
def relayed(tmp_path_factory: pytest.TempPathFactory, held: HeldRelay) -> Iterator[Served]:
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
    phone_page: Page, relayed: Served, held: HeldRelay, tmp_path: Path
) -> None:
    page = phone_page
    held.hold()
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

    held.release()
    # The page looks again by itself until the worker has every reply.
    expect(status).to_have_attribute("data-status", "done", timeout=WAIT)
    expect(status).to_contain_text("2 of 3 sent")
    expect(status).to_contain_text(f"Not sent to {GONE}: 550 5.1.1 No such mailbox here")
    expect(status).to_have_class("error")  # a refusal is said in red, as on every desk page
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


READER = "held.reader@readers.example.org"


def _reader(served: Served, held: HeldRelay, email: str = READER) -> None:
    """A confirmed breaking-news reader; their confirmation comes through the open relay."""
    with httpx.Client(base_url=served.base_url) as client:
        form = client.get("/")
        fields = {**signup_fields(form.text), "email": email, "lists": ["breaking"]}
        client.post("/subscribe", data=fields)
    message = wait_for(lambda: next(iter(held.messages_to(email)), None), "the confirmation")
    link = link_in(message, served.base_url + "/confirm/")
    with httpx.Client() as client:
        page = client.get(link)
        client.post(link, data={"csrf_token": csrf_from(page.text)})


def _fire(page: Page, headline: str) -> None:
    page.get_by_role("link", name="Write a breaking alert").tap()
    page.get_by_label("Headline", exact=True).fill(headline)
    page.get_by_label(re.compile("^Summary")).fill("More follows as we have it.")
    page.get_by_label("Link to the story").fill("https://news.example.com/held")
    page.get_by_role("button", name="Review before sending").tap()
    page.get_by_role("button", name=re.compile(r"^Send to \d+ reader")).tap()
    expect(page.get_by_role("heading", name=headline)).to_be_visible(timeout=WAIT)


def test_the_live_page_drops_pause_and_cancel_when_the_send_finishes_and_cancel_asks_first(
    phone_page: Page, relayed: Served, held: HeldRelay
) -> None:
    page = phone_page
    held.release()
    _reader(relayed, held)
    editor = "held.sender@news.example.com"
    sign_in(page, editor, make_staff(relayed, editor, "editor"))

    # Held at the relay: the send is under way, Pause and Cancel on offer.
    held.hold()
    _fire(page, "Tunnel closed for the night")
    pause = page.get_by_role("button", name="Pause")
    cancel = page.get_by_role("button", name="Cancel the rest")
    expect(page.locator("#status")).to_have_text("sending")
    expect(pause).to_be_visible()
    expect(cancel).to_be_visible()
    assert_accessible(page)
    held.release()
    # The same page, not reloaded: the send ends and both actions go.
    expect(page.locator("#status")).to_have_text("sent", timeout=30_000)
    expect(pause).to_have_count(0)
    expect(cancel).to_have_count(0)
    expect(page.locator("#sent")).to_have_text("1")

    # Cancel the rest, while a send runs, asks first; No, go back changes nothing.
    held.hold()
    page.goto("/desk")
    _fire(page, "Second tunnel closed too")
    campaign = page.url
    expect(page.locator("#status")).to_have_text("sending")
    cancel.tap()
    expect(page.get_by_role("heading", name=re.compile("^Cancel the rest of"))).to_be_visible()
    expect(page.locator("#consequence")).to_contain_text("will never get it")
    assert_accessible(page)
    page.get_by_role("link", name="No, go back").tap()
    page.wait_for_url(campaign)
    expect(page.locator("#status")).to_have_text("sending")
    cancel.tap()
    page.locator("#main form button.danger").tap()
    expect(page.locator("#status")).to_have_text("cancelled")
    done = page.get_by_role("status").filter(has_text="Cancelled: readers not yet sent it")
    expect(done).to_have_count(1)
    assert page.url == campaign  # post/redirect/get: back on the campaign's own address
    expect(pause).to_have_count(0)
    expect(cancel).to_have_count(0)
    assert_accessible(page)
    page.reload()
    expect(done).to_have_count(0)
    expect(page.locator("#status")).to_have_text("cancelled")
    held.release()


def test_a_message_the_relay_put_back_is_explained_with_its_next_try(
    phone_page: Page, relayed: Served, held: HeldRelay
) -> None:
    # Last in this file: from here on every alert of this server has a message retrying.
    page = phone_page
    held.release()
    grey = "grey.reader@readers.example.org"
    _reader(relayed, held, grey)
    held.handler.rcpt_replies[grey] = "451 4.7.1 Greylisted, try again later"
    editor = "held.retry@news.example.com"
    sign_in(page, editor, make_staff(relayed, editor, "editor"))
    _fire(page, "Ferry timetable changes")

    retry = page.locator("#retry")
    expect(retry).to_contain_text("1 message waits to be tried again", timeout=WAIT)
    expect(retry).to_contain_text(re.compile(r"next try at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"))
    expect(retry).to_contain_text("The relay said: 451 4.7.1 Greylisted, try again later")
    expect(page.locator("#status")).to_have_text("sending")
    expect(page.locator("#queued")).to_have_text("1")
    expect(page.get_by_role("button", name="Pause")).to_be_visible()  # it still applies
    assert_accessible(page)
