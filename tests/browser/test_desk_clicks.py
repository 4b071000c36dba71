"""Click counts on the desk in a real browser: an alert to a few readers, one counted link
followed over HTTP as a reader's browser would, then the click on the campaign report and
the dashboard's comparison; at desktop and phone sizes, axe-core on every page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from bulletin.mail.catcher import caught
from tests.browser.conftest import DESKTOP, PHONE, confirmed_reader, make_staff, sign_in
from tests.support.axe import assert_accessible
from tests.support.clicks import counted_links
from tests.support.served import Served, serving, wait_for
from tests.support.web import csrf_from, link_in, signup_fields

WAIT = 30_000  # a send on a busy machine
STORY = "https://news.example.com/2030/harbour-fire"
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
READERS = [f"clicks.reader{n}@readers.example.org" for n in range(3)]


@pytest.fixture(scope="module")
def counting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A Bulletin that counts clicks per message (the default counts nothing)."""
    with serving(
        tmp_path_factory.mktemp("clicks"), {"BULLETIN_CLICK_TRACKING": "aggregate"}
    ) as running:
        for reader in READERS:
            confirmed_reader(running, reader)
        yield running


def _page(browser: Browser, served: Served, size: dict[str, int]) -> Iterator[Page]:
    context = browser.new_context(
        base_url=served.base_url,
        viewport=size,  # type: ignore[arg-type]
        is_mobile=size == PHONE,
        has_touch=size == PHONE,
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser: Browser, counting: Served) -> Iterator[Page]:
    yield from _page(browser, counting, DESKTOP)


@pytest.fixture
def phone(browser: Browser, counting: Served) -> Iterator[Page]:
    yield from _page(browser, counting, PHONE)


def _fits(page: Page) -> None:
    """No violation, and nothing off-screen sideways."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert_accessible(page)


def _unique_clickers(page: Page, expected: str) -> bool:
    page.reload()
    return page.locator("#unique-clickers").inner_text() == expected


def test_a_followed_link_shows_on_the_report_and_the_dashboard(
    desktop: Page, phone: Page, counting: Served
) -> None:
    editor = "clicks.editor@news.example.com"
    password = make_staff(counting, editor, "editor")
    sign_in(desktop, editor, password)
    desktop.goto("/desk")
    expect(desktop.locator("#alert-clicks-h")).to_be_visible()  # counts on: the comparison
    _fits(desktop)

    desktop.get_by_role("link", name="Write a breaking alert").click()
    desktop.get_by_label("Headline", exact=True).fill("Fire at the harbour warehouses")
    desktop.get_by_label(re.compile("^Summary")).fill("Smoke over the port. Keep windows shut.")
    desktop.get_by_label("Link to the story").fill(STORY)
    desktop.get_by_role("button", name="Review before sending").click()
    desktop.get_by_role("button", name=re.compile("^Send to 3 readers")).click()
    expect(desktop.locator("#status")).to_have_text("sent", timeout=WAIT)
    report = desktop.url + "/report"

    message = counting.caught_for(READERS[0], "Fire at the harbour warehouses").message
    links = counted_links(message)
    assert links, "the alert's links are counted"
    # The reader's browser follows the story's link: a redirect to it, counted.
    with httpx.Client(base_url=counting.base_url, headers={"User-Agent": BROWSER_AGENT}) as web:
        followed = web.get(links[0])
    assert followed.status_code == 302 and followed.headers["location"] == STORY

    desktop.goto(report)
    expect(desktop.get_by_role("heading", name="Clicks", level=2)).to_be_visible()
    wait_for(lambda: _unique_clickers(desktop, "1"), "the click on the report")
    expect(desktop.locator("#click-through")).to_have_text("33.3 %")
    row = desktop.locator("#link-clicks tbody tr", has_text=STORY)
    expect(row.locator("td.num").first).to_have_text("1")
    expect(desktop.locator("#clickers-chart rect.bar")).not_to_have_count(0)
    desktop.locator("#clickers-table summary").click()
    expect(desktop.locator("#clickers-table table")).to_be_visible()
    _fits(desktop)

    desktop.goto("/desk")
    compared = desktop.locator("#alert-clicks tbody tr", has_text="Fire at the harbour")
    expect(compared.locator("td.num")).to_have_text(["3", "1", "33.3 %"])
    _fits(desktop)
    compared.get_by_role("link").click()
    desktop.wait_for_url(report)

    sign_in(phone, editor, password)
    _fits(phone)
    phone.goto(report)
    expect(phone.locator("#unique-clickers")).to_have_text("1")
    phone.locator("#clickers-table summary").tap()
    _fits(phone)


def _morning_zone() -> tuple[str, date]:
    """A whole-hour zone where it is now mid-morning (06:00 to 12:00 is when a briefing
    goes), and the local date there: a reader there is due their briefing now."""
    now = datetime.now(UTC)
    offset = (9 - now.hour + 12) % 24 - 12  # local 09:xx, one of UTC-12 … UTC+11
    zone = f"Etc/GMT{-offset:+d}" if offset else "Etc/UTC"  # Etc/GMT-3 is UTC+3
    return zone, (now + timedelta(hours=offset)).date()


def _briefing_reader(served: Served, email: str, zone: str) -> None:
    with httpx.Client(base_url=served.base_url) as client:
        fields = signup_fields(client.get("/").text)
        client.post(
            "/subscribe",
            data={**fields, "email": email, "lists": ["morning-briefing"], "time_zone": zone},
        )
    link = link_in(served.caught_for(email, "Confirm").message, served.base_url + "/confirm/")
    with httpx.Client() as client:
        client.post(link, data={"csrf_token": csrf_from(client.get(link).text)})


def test_the_briefing_page_shows_how_the_last_edition_did(
    desktop: Page, phone: Page, counting: Served, tmp_path: Path
) -> None:
    zone, today = _morning_zone()
    if today.weekday() >= 5:
        pytest.skip(f"no briefing goes on a {today:%A} ({zone}): nothing to follow")
    reader = "clicks.morning@readers.example.org"
    _briefing_reader(counting, reader, zone)
    for n, headline in enumerate(("Harbour reopens after the fire", "Council backs new tram")):
        path = tmp_path / f"story-{n}.json"
        path.write_text(
            json.dumps(
                {
                    "type": "text",
                    "uri": f"https://news.example.com/morning/{n}",
                    "headline": headline,
                    "description_text": f"{headline}. More later today.",
                    "body_text": "Text.",
                    "urgency": 2,
                }
            )
        )
        counting.bulletin("ingest", str(path))
    counting.bulletin("briefing", "send", "--date", today.isoformat())
    message = counting.caught_for(reader, "Briefing").message
    links = counted_links(message)
    assert links, "the briefing's links are counted"
    with httpx.Client(base_url=counting.base_url, headers={"User-Agent": BROWSER_AGENT}) as web:
        followed = web.get(links[0])
    assert followed.status_code == 302

    editor = "clicks.briefing@news.example.com"
    password = make_staff(counting, editor, "editor")
    sign_in(desktop, editor, password)
    desktop.goto(f"/desk/briefing?date={today + timedelta(days=1)}")
    expect(desktop.locator("#last-clicks-h")).to_contain_text(f"{today:%a %d %b} edition did")
    table = desktop.locator("#last-clicks tbody tr")

    def clicked() -> bool:
        desktop.reload()
        return "1" in table.first.locator("td.num").all_inner_texts()

    wait_for(clicked, "the briefing's click on the briefing page")
    _fits(desktop)
    sign_in(phone, editor, password)
    phone.goto(desktop.url)
    expect(phone.locator("#last-clicks")).to_be_visible()
    _fits(phone)
    phone.get_by_role("link", name="its report").tap()
    phone.wait_for_url("**/report")
    _fits(phone)


def test_a_subject_race_is_written_on_a_phone_and_ended_on_the_desk(
    desktop: Page, phone: Page, counting: Served
) -> None:
    editor = "race.editor@news.example.com"
    password = make_staff(counting, editor, "editor")
    sign_in(phone, editor, password)
    phone.goto("/desk/alerts/new")
    phone.get_by_label("Subject line").fill("Tram strike called off")
    phone.locator("details.subject-test summary").tap()
    phone.get_by_label("Second subject").fill("Trams run tomorrow after all")
    phone.get_by_label(re.compile("^Readers in the test")).fill("50")
    phone.get_by_label("Headline", exact=True).fill("Tram strike called off at the last minute")
    phone.get_by_label(re.compile("^Summary")).fill("Unions and the city agreed overnight.")
    phone.get_by_label("Link to the story").fill("https://news.example.com/2030/trams")
    _fits(phone)
    phone.get_by_role("button", name="Review before sending").tap()
    race = phone.locator("#subject-test")
    expect(race).to_contain_text("Trams run tomorrow after all")
    expect(race).to_contain_text("After 5 minutes")
    _fits(phone)
    phone.get_by_role("button", name=re.compile("^Send to 3 readers")).tap()
    expect(phone.get_by_role("heading", name="Subject test")).to_be_visible()
    _fits(phone)

    sign_in(desktop, editor, password)
    desktop.goto(phone.url)
    rows = desktop.locator("#race tbody tr")
    expect(rows).to_have_count(2)
    expect(desktop.locator("#race-state")).to_contain_text("Ends at")
    _fits(desktop)
    desktop.get_by_role("button", name="End the test now").click()
    expect(desktop.get_by_role("heading", name="End the subject test now?")).to_be_visible()
    _fits(desktop)
    desktop.get_by_role("button", name="End the test and send the winner").click()
    expect(desktop.locator("#race-state")).to_contain_text("Too few clicks to tell")
    expect(desktop.locator("#race tbody tr").first).to_contain_text("(winner)")
    expect(desktop.get_by_role("button", name="End the test now")).to_have_count(0)
    expect(desktop.locator("#status")).to_have_text("sent", timeout=WAIT)
    _fits(desktop)

    # Every reader has the alert once, under one of the two subjects.
    for reader in READERS:
        counting.caught_for(reader, "Tram")
    subjects = [
        m.subject
        for m in caught(counting.catcher_dir)
        if "Tram" in m.subject and any(r in m.recipients for r in READERS)
    ]
    assert len(subjects) == len(READERS)
    assert set(subjects) <= {"Tram strike called off", "Trams run tomorrow after all"}
