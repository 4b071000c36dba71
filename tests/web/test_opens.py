"""The open pixel, off unless the newsroom turns it on: `/o/…` answers a one-pixel GIF
from memory, counts the fetch as an open per message after the app flushes, sets
machines' fetches apart (Apple Mail Privacy Protection, scanners, HEAD), and says so
to readers and on the report."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bulletin.services.context import Context
from bulletin.store import clicks as click_store
from bulletin.store.clicks import OpenCount
from bulletin.web.app import create_app
from tests.support.clicks import counted_alert, message_for, open_pixel
from tests.support.factories import FakeClock, confirmed_reader, unique_email
from tests.support.tokens import tampered
from tests.support.web import signed_in_as

BROWSER = {"user-agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15"}
APPLE_PROXY = {"user-agent": "Mozilla/5.0"}
SCANNER = {"user-agent": "Mozilla/5.0 (compatible; Mimecast URL Protect)"}


@pytest.fixture
def opening(ctx: Context) -> Context:
    ctx.settings = ctx.settings.replace(click_tracking="aggregate", open_pixel=True)
    return ctx


def _pixel(ctx: Context, *, opens: bool = True) -> tuple[int, str | None]:
    address = unique_email()
    reader = confirmed_reader(ctx, email=address)
    campaign = counted_alert(ctx)
    return campaign, open_pixel(message_for(ctx, campaign, reader, address, opens=opens))


def _opens(ctx: Context, campaign: int) -> OpenCount | None:
    with ctx.db.reading() as conn:
        return click_store.open_count(conn, campaign)


def test_a_message_carries_the_pixel_only_when_opens_are_counted(opening: Context) -> None:
    _, with_pixel = _pixel(opening)
    _, without = _pixel(opening, opens=False)

    assert with_pixel is not None and with_pixel.startswith("/o/")
    assert without is None


def test_an_open_is_counted_once_per_message_and_machines_apart(
    opening: Context, clock: FakeClock
) -> None:
    campaign, pixel = _pixel(opening)
    assert pixel is not None
    with TestClient(create_app(opening), client=("203.0.113.9", 5000)) as client:
        first = client.get(pixel, headers=BROWSER)
        client.get(pixel, headers=BROWSER)  # read again: one message opened
        client.get(pixel, headers=APPLE_PROXY)  # Mail Privacy Protection's prefetch
        client.get(pixel, headers=SCANNER)
        client.head(pixel, headers=BROWSER)
    with TestClient(create_app(opening), client=("17.58.1.2", 5000)) as apple:
        apple.get(pixel, headers=BROWSER)  # from Apple's network, whatever it says

    assert first.status_code == 200 and first.headers["content-type"] == "image/gif"
    assert first.content.startswith(b"GIF89a") and "no-store" in first.headers["cache-control"]
    assert "set-cookie" not in first.headers
    assert _opens(opening, campaign) == OpenCount(unique=1, opens=2, machine=4)


def test_a_pixel_that_is_not_ours_is_not_found(opening: Context) -> None:
    campaign, pixel = _pixel(opening)
    assert pixel is not None
    token, reader = pixel.removeprefix("/o/").split("/")
    with TestClient(create_app(opening)) as client:
        forged = client.get(f"/o/{tampered(token)}/{reader}", headers=BROWSER)
        unsigned = client.get(f"/o/{token}/1.forged", headers=BROWSER)
        posted = client.post(pixel)

    assert forged.status_code == 404
    assert unsigned.status_code == 200  # the image still shows...
    assert posted.status_code == 405
    assert _opens(opening, campaign) == OpenCount(unique=0, opens=0, machine=1)  # ...a machine's


def test_with_the_pixel_off_it_still_answers_and_counts_nothing(
    opening: Context, ctx: Context
) -> None:
    campaign, pixel = _pixel(opening)
    assert pixel is not None
    off = Context(settings=ctx.settings.replace(open_pixel=False), db=ctx.db, clock=ctx.clock)
    with TestClient(create_app(off)) as client:
        answer = client.get(pixel, headers=BROWSER)

    assert answer.status_code == 200
    assert _opens(off, campaign) is None


def test_readers_are_told_and_the_report_shows_opens_apart_from_machines(
    opening: Context,
) -> None:
    campaign, pixel = _pixel(opening)
    assert pixel is not None
    with TestClient(create_app(opening)) as client:
        client.get(pixel, headers=BROWSER)
        client.get(pixel, headers=APPLE_PROXY)
    with TestClient(create_app(opening)) as client:
        signup = client.get("/").text
        report = signed_in_as(client, opening).get(f"/desk/campaigns/{campaign}/report").text

    assert "tiny image whose loading tells us an email was opened" in signup
    assert 'id="unique-openers">1<' in report and 'id="machine-opens">1<' in report
