"""The webhooks pages in a real browser: an admin adds an endpoint on a loopback receiver,
sees its secret once, chooses its events, sends a test event and reads it in the log,
then disables and deletes it; at desktop and phone sizes, axe-core on every page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, make_staff, sign_in
from tests.support.axe import assert_accessible
from tests.support.served import Served, serving, wait_for
from tests.support.webhook_receiver import WebhookReceiver

WAIT = 20_000  # steps that wait on the server: the machine running the tests may be busy
SIZES = {"desktop": DESKTOP, "phone": PHONE}
SECRET = re.compile(r"^whsec_[A-Za-z0-9+/=]+$")


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A Bulletin allowed to reach a receiver on loopback (refused by default: SSRF)."""
    with serving(
        tmp_path_factory.mktemp("webhooks"),
        {"BULLETIN_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8"},
    ) as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    listening = WebhookReceiver().up()
    yield listening
    listening.down()


@pytest.fixture(params=list(SIZES))
def page(request: pytest.FixtureRequest, browser: Browser, hooked: Served) -> Iterator[Page]:
    size = SIZES[request.param]
    context = browser.new_context(
        base_url=hooked.base_url,
        viewport=size,  # type: ignore[arg-type]
        is_mobile=size == PHONE,
        has_touch=size == PHONE,
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _fits(page: Page) -> None:
    """No violation, and on a phone nothing off-screen sideways."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert_accessible(page)


def _delivered_in_log(page: Page, event_id: str) -> bool:
    page.reload()
    row = page.locator("#delivery-log tbody tr", has_text=event_id)
    return row.count() == 1 and "delivered" in row.inner_text()


def test_an_admin_adds_tests_and_removes_an_endpoint(
    page: Page, hooked: Served, receiver: WebhookReceiver
) -> None:
    size = "phone" if page.viewport_size == PHONE else "desktop"
    admin = f"hooks.{size}@news.example.com"
    sign_in(page, admin, make_staff(hooked, admin, "admin"))
    if size == "phone":  # the desk menu folds behind one button
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Webhooks").click()
    page.wait_for_url("**/desk/webhooks")
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
    _fits(page)

    description = f"CRM on the {size}"
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill(description)
    page.get_by_label("campaign.started").uncheck()
    page.get_by_role("button", name="Add endpoint").click()
    added = page.get_by_role("status").filter(has_text="Endpoint added.")
    expect(added).to_be_visible()
    secret = page.locator("#webhook-secret")
    expect(secret).to_have_text(SECRET)
    _fits(page)
    endpoint_url = page.url

    # The secret is shown once and the form was not posted again.
    page.reload()
    expect(added).to_have_count(0)
    expect(secret).to_have_count(0)
    expect(page.get_by_label("campaign.started")).not_to_be_checked()
    expect(page.get_by_label("reader.confirmed")).to_be_checked()
    page.get_by_role("link", name="All webhooks").click()
    expect(page.locator("#endpoints tbody tr", has_text=description)).to_have_count(1)
    _fits(page)
    page.goto(endpoint_url)

    page.get_by_role("button", name="Reveal secret").click()
    expect(secret).to_have_text(SECRET)
    page.reload()
    expect(secret).to_have_count(0)

    page.get_by_label("mail.bounced").uncheck()
    page.get_by_role("button", name="Save events").click()
    expect(page.get_by_role("status").filter(has_text="Event types saved.")).to_be_visible()
    expect(page.get_by_label("mail.bounced")).not_to_be_checked()
    _fits(page)

    page.get_by_role("button", name="Send test event").click()
    queued = page.get_by_role("status").filter(has_text="queued")
    expect(queued).to_be_visible()
    event_id = page.locator("#delivery-log tbody tr code").first.inner_text()
    page.reload()
    expect(queued).to_have_count(0)
    expect(page.locator("#delivery-log tbody tr")).to_have_count(1)  # no second test event

    wait_for(lambda: receiver.received, "the test event at the receiver")
    assert [r.headers["webhook-id"] for r in receiver.received] == [event_id]
    body = json.loads(receiver.received[0].body)
    assert body["type"] == "test"
    wait_for(lambda: _delivered_in_log(page, event_id), "the delivery in the log")
    _fits(page)

    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_role("status").filter(has_text="Disabled")).to_be_visible()
    expect(page.get_by_role("button", name="Enable")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Enable")).to_be_visible()
    _fits(page)

    page.get_by_role("button", name="Delete endpoint").click()
    expect(page.get_by_role("link", name="No, go back")).to_be_visible()
    _fits(page)
    page.get_by_role("button", name="Delete this endpoint").click()
    deleted = page.get_by_role("status").filter(has_text="Endpoint deleted")
    expect(deleted).to_be_visible()
    expect(page.locator("#endpoints tbody tr", has_text=description)).to_have_count(0)
    _fits(page)
    page.reload()
    expect(deleted).to_have_count(0)

    # Every form acted once, however often its page was reloaded after.
    page.goto("/desk/audit")
    _fits(page)
    mine = page.locator("tbody tr", has_text=admin).locator("code")
    expect(mine).to_have_text(
        [
            "webhook.delete",
            "webhook.disable",
            "webhook.test",
            "webhook.events",
            "webhook.reveal_secret",
            "webhook.create",
            "sign_in.success",
            "user.create",  # by the operator, naming the account
        ]
    )


def test_a_refused_url_is_explained_and_nothing_is_added(page: Page, hooked: Served) -> None:
    size = "phone" if page.viewport_size == PHONE else "desktop"
    admin = f"hooks.refused.{size}@news.example.com"
    sign_in(page, admin, make_staff(hooked, admin, "admin"))
    page.goto("/desk/webhooks")
    page.get_by_label("Endpoint URL").fill("http://user:pw@crm.example.org/hooks")
    page.get_by_label("Description").fill(f"refused on the {size}")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Endpoint URL")).to_have_value("http://user:pw@crm.example.org/hooks")
    _fits(page)
    expect(page.locator("#endpoints tbody tr", has_text=f"refused on the {size}")).to_have_count(0)
