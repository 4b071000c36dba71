"""A reader in a real browser: sign up, confirm from the email, manage preferences, leave."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from bulletin.mail.catcher import caught
from tests.browser.conftest import assert_readable, screenshot
from tests.support.axe import assert_accessible
from tests.support.served import Served
from tests.support.web import link_in, unsubscribe_url

BREAKING = re.compile("^Breaking News Alerts")
SPECIAL = re.compile("^Special Reports")
BRIEFING = re.compile("^Morning Briefing")


def _fits_the_screen(page: Page) -> None:
    """Nothing on the page is wider than the phone: no sideways scrolling."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # type: ignore[index]


def test_reader_signs_up_confirms_changes_preferences_and_unsubscribes(
    phone: Page, served: Served
) -> None:
    email = "ada.reader@readers.example.org"
    phone.goto("/")
    _fits_the_screen(phone)
    assert_readable(phone)
    screenshot(phone, "reader-01-sign-up-phone")
    phone.get_by_label("Email address").fill(email)
    expect(phone.get_by_role("checkbox", name=BREAKING)).to_be_checked()
    phone.get_by_role("checkbox", name=SPECIAL).check()
    phone.get_by_text("Choose topics").click()
    phone.get_by_role("checkbox", name="Science & environment").check()
    phone.get_by_role("button", name="Sign up").click()
    expect(phone.get_by_role("heading", name="Check your inbox")).to_be_visible()
    screenshot(phone, "reader-02-check-inbox-phone")

    confirmation = served.caught_for(email, "Confirm your subscription")
    phone.goto(link_in(confirmation.message, served.base_url + "/confirm/"))
    expect(phone.locator("main")).to_contain_text("Breaking News Alerts, Special Reports")
    screenshot(phone, "reader-03-confirm-phone")
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.get_by_role("heading", name="You're subscribed")).to_be_visible()

    served.bulletin(
        "alert",
        "send",
        "--headline",
        "Harbour bridge reopens",
        "--summary",
        "Traffic is flowing again.",
        "--url",
        "https://news.example.com/bridge",
    )
    alert = served.caught_for(email, "Harbour bridge reopens")
    centre = link_in(alert.message, served.base_url + "/preferences/")
    phone.goto(centre)
    zone = phone.get_by_label("Your time zone")
    expect(zone).to_have_value("Asia/Tokyo")  # taken from the browser at sign-up
    expect(phone.get_by_role("checkbox", name="Science & environment")).to_be_checked()
    phone.get_by_role("checkbox", name=BRIEFING).check()
    zone.select_option("America/New_York")
    phone.get_by_label(re.compile("^Arrives at")).fill("07:30")
    phone.get_by_role("button", name="Save preferences").click()
    expect(phone.get_by_role("status")).to_have_text("Your preferences are saved.")
    phone.reload()
    expect(phone.get_by_label("Your time zone")).to_have_value("America/New_York")
    expect(phone.get_by_label(re.compile("^Arrives at"))).to_have_value("07:30")
    expect(phone.get_by_role("checkbox", name=BRIEFING)).to_be_checked()
    _fits_the_screen(phone)
    assert_readable(phone)
    screenshot(phone, "reader-04-preferences-phone")

    phone.goto(unsubscribe_url(alert.message))
    expect(phone.locator("main")).to_contain_text("Stop sending Breaking News Alerts")
    screenshot(phone, "reader-05-unsubscribe-phone")
    phone.get_by_role("button", name="Unsubscribe").click()
    expect(phone.get_by_role("heading", name="You're unsubscribed")).to_be_visible()
    phone.goto(centre)
    expect(phone.get_by_role("checkbox", name=BREAKING)).not_to_be_checked()
    expect(phone.get_by_role("checkbox", name=SPECIAL)).to_be_checked()
    expect(phone.get_by_role("checkbox", name=BRIEFING)).to_be_checked()
    assert centre.rsplit("/", 1)[1] not in served.log.read_text()  # the link was never logged


def test_sign_up_works_with_the_keyboard_alone(phone: Page, served: Served) -> None:
    email = "keys.only@readers.example.org"
    phone.goto("/")
    for _ in range(20):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.id") == "email":
            break
    else:
        pytest.fail("the email field cannot be reached with Tab")
    phone.keyboard.type(email)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert served.caught_for(email, "Confirm your subscription")


class _ArticleHandler(BaseHTTPRequestHandler):
    """An article page on the newsroom's own site, with the documented embed snippet."""

    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: object) -> None:
        pass


def _article(bulletin: str) -> bytes:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Article</title>
<style>body {{ font: 18px Georgia, serif; max-width: 40rem; margin: 2rem auto; }}</style></head>
<body><h1>Storm makes landfall on the coast</h1><p>The hurricane came ashore at dawn.</p>
<iframe id="bulletin-signup" src="{bulletin}/embed" title="Sign up for our newsletters"
        style="width:100%;max-width:480px;height:420px;border:0" loading="lazy"></iframe>
<script>
addEventListener("message", function (e) {{
  if (e.origin === "{bulletin}" && e.data && e.data.bulletinHeight)
    document.getElementById("bulletin-signup").style.height = e.data.bulletinHeight + "px";
}});
</script>
<h2>Not allowed in a frame</h2>
<iframe id="desk" src="{bulletin}/desk/login" title="desk" style="width:100%;height:200px"></iframe>
</body></html>""".encode()


@pytest.fixture
def article_site(served: Served, article_origin: str) -> Iterator[str]:
    handler = type("Handler", (_ArticleHandler,), {"page": _article(served.base_url)})
    port = urlsplit(article_origin).port
    assert port is not None
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{article_origin}/storm"
    server.shutdown()
    server.server_close()


def test_embedded_form_signs_up_from_another_sites_article_page(
    desktop: Page, served: Served, article_site: str
) -> None:
    email = "embedded.reader@readers.example.org"
    desktop.goto(article_site)
    frame = desktop.frame_locator("#bulletin-signup")
    expect(frame.get_by_role("heading", name="Breaking News Emails")).to_be_visible()
    expect(desktop.locator("#bulletin-signup")).not_to_have_css("height", "420px")  # resized
    frame.get_by_label("Email address").fill(email)
    frame.get_by_role("checkbox", name=BRIEFING).check()
    screenshot(desktop, "reader-06-embedded-on-article", full_page=False)
    frame.get_by_role("button", name="Sign up").click()
    expect(frame.get_by_role("heading", name="Check your inbox")).to_be_visible()
    confirmation = served.caught_for(email, "Confirm your subscription")
    assert "Morning Briefing" in confirmation.subject
    assert desktop.context.cookies(served.base_url) == []  # the frame needed no cookie

    desk = desktop.frame_locator("#desk")
    expect(desk.get_by_text("Sign in to the desk")).to_have_count(0)


def test_check_inbox_names_the_address_and_says_when_send_it_again_can_send(
    phone: Page, served: Served
) -> None:
    email = "grace.reader@readers.example.org"
    phone.goto("/")
    phone.get_by_label("Email address").fill(email)
    phone.get_by_role("button", name="Sign up").click()
    expect(phone.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(phone.locator("main strong.address")).to_have_text(email)
    # The browser reports Tokyo: the time to come back is in the reader's own zone.
    expect(phone.locator("main")).to_contain_text("you can ask for another at ")
    expect(phone.locator("main")).to_contain_text("(Asia/Tokyo time)")
    _fits_the_screen(phone)
    assert_readable(phone)
    assert_accessible(phone)
    screenshot(phone, "reader-check-inbox-01-address-phone")

    phone.get_by_role("button", name="Send it again").click()
    refusal = phone.get_by_role("alert")
    expect(refusal).to_contain_text("Not sent again yet")
    expect(refusal).to_contain_text(re.compile(r"ask again at \d\d:\d\d \(Asia/Tokyo time\)"))
    assert urlsplit(phone.url).path == "/check-inbox"
    assert_readable(phone)
    assert_accessible(phone)
    screenshot(phone, "reader-check-inbox-02-not-yet-phone")

    methods: list[str] = []
    phone.on("request", lambda request: methods.append(request.method))
    phone.reload()
    expect(phone.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(phone.get_by_role("alert")).to_have_count(0)
    assert "POST" not in methods
    # One confirmation, however often the button is pressed within the limit.
    served.caught_for(email, "Confirm")
    confirmations = [
        m for m in caught(served.catcher_dir) if email in m.recipients and "Confirm" in m.subject
    ]
    assert len(confirmations) == 1
