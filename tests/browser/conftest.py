"""Browser fixtures: Debian's Chromium driven by Playwright against `bulletin serve` on loopback.

Playwright never downloads a browser here: it launches /usr/bin/chromium, which the
project's own set-up installs (`.ci/run`, `make test`). Screenshots of the pages the
tests visit are saved under test-artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from bulletin.domain.models import Role
from bulletin.services.staff import accounts
from tests.support.ports import free_port
from tests.support.served import Served, serving
from tests.support.web import csrf_from, link_in, signup_fields

CHROMIUM = Path(os.environ.get("BULLETIN_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "a-long-browser-password"


# Package scope, not session: Playwright's sync API keeps an event loop running in the
# main thread while it is open, and every later asyncio.run() (the engine's) would fail.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "Install it with `apt-get install -y chromium` (.ci/run does this as root).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def article_origin() -> str:
    """Where the newsroom's article pages live: another site (localhost, not 127.0.0.1)."""
    return f"http://localhost:{free_port()}"


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory, article_origin: str) -> Iterator[Served]:
    """One running Bulletin for the browser tests; each test uses its own addresses."""
    with serving(
        tmp_path_factory.mktemp("served"), {"BULLETIN_EMBED_ORIGINS": article_origin}
    ) as running:
        yield running


def _context(browser: Browser, served: Served, **options: object) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=served.base_url, **options)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def phone(browser: Browser, served: Served) -> Iterator[Page]:
    """A phone-sized page whose browser reports the Tokyo time zone."""
    for context in _context(
        browser, served, viewport=PHONE, timezone_id="Asia/Tokyo", is_mobile=True, has_touch=True
    ):
        yield context.new_page()


@pytest.fixture
def desktop(browser: Browser, served: Served) -> Iterator[Page]:
    for context in _context(browser, served, viewport=DESKTOP, timezone_id="Europe/London"):
        yield context.new_page()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save the page as test-artifacts/screenshots/<name>.png.

    A full-page capture resizes the window, which leaves another site's frame blank
    in Chromium: pages that frame the embed are taken as the window shows them.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def make_staff(served: Served, email: str, role: str) -> str:
    """A desk account, made as `bulletin users create` makes it (tests/cli runs the
    command itself); returns its password."""
    with served.context() as ctx:
        accounts.create_editor(
            ctx, email=email, name=role.title(), password=PASSWORD, role=Role(role)
        )
    return PASSWORD


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/desk/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/desk")


def confirmed_reader(served: Served, email: str, lists: tuple[str, ...] = ("breaking",)) -> None:
    """A reader who signed up (for breaking news unless told) and confirmed, over plain HTTP."""
    with httpx.Client(base_url=served.base_url) as client:
        form = client.get("/")
        client.post(
            "/subscribe",
            data={**signup_fields(form.text), "email": email, "lists": list(lists)},
        )
    link = link_in(served.caught_for(email, "Confirm").message, served.base_url + "/confirm/")
    with httpx.Client() as client:
        page = client.get(link)
        done = client.post(link, data={"csrf_token": csrf_from(page.text)})
        assert "You're subscribed" in done.text


CONTRAST_CHECK = (Path(__file__).parent / "contrast.js").read_text()


def assert_readable(page: Page) -> None:
    """Every visible text on the page meets WCAG AA contrast against its background."""
    problems = page.evaluate(CONTRAST_CHECK)
    assert problems == [], f"low contrast on {page.url}: {problems}"
