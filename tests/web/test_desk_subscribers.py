"""The desk's list of readers over HTTP: everyone newest first, filters, keyset pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from tests.support.factories import confirmed_reader, suppress, web_requester
from tests.support.web import signed_in_as


def _pending(ctx: Context, email: str, lists: list[str] | None = None) -> int:
    result = subscriptions.sign_up(
        ctx, email=email, list_slugs=lists or ["breaking"], requester=web_requester()
    )
    return result.subscriber_id


def _listed(page: str) -> list[str]:
    """The addresses the page lists, in order."""
    return re.findall(r'<a href="/desk/subscribers/\d+">([^<]+)</a>', page)


def _older_link(page: str) -> str | None:
    found = re.search(r'rel="next" href="([^"]+)"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_an_empty_search_lists_every_reader_newest_first_with_lists_and_status(
    client: TestClient, ctx: Context
) -> None:
    confirmed_reader(ctx, ["breaking"], email="first@readers.example.org")
    _pending(ctx, "second@readers.example.org", ["morning-briefing"])
    page = signed_in_as(client, ctx, Role.VIEWER).get("/desk/subscribers")
    assert page.status_code == 200
    assert _listed(page.text) == ["second@readers.example.org", "first@readers.example.org"]
    assert "2 readers" in page.text
    assert 'Morning Briefing: <span class="status pending">pending</span>' in page.text
    assert 'Breaking News Alerts: <span class="status confirmed">confirmed</span>' in page.text


def test_readers_come_in_keyset_pages_older_and_back_to_newer(
    client: TestClient, ctx: Context
) -> None:
    emails = [f"r{n:02}@readers.example.org" for n in range(53)]
    for email in emails:
        _pending(ctx, email)
    desk = signed_in_as(client, ctx, Role.VIEWER)
    first = desk.get("/desk/subscribers", params={"status": "pending"})
    assert _listed(first.text) == emails[::-1][:50]
    assert "53 readers matching" in first.text
    assert 'rel="prev"' not in first.text
    older = _older_link(first.text)
    assert older and "before=" in older and "status=pending" in older and "offset" not in older
    second = desk.get(older)
    assert _listed(second.text) == emails[::-1][50:]
    assert _older_link(second.text) is None
    newer = re.search(r'rel="prev" href="([^"]+)"', second.text)
    assert newer and "after=" in newer.group(1)
    back = desk.get(newer.group(1).replace("&amp;", "&"))
    assert _listed(back.text) == emails[::-1][:50]


def test_filters_by_list_and_status(client: TestClient, ctx: Context) -> None:
    confirmed_reader(ctx, ["breaking"], email="confirmed@readers.example.org")
    _pending(ctx, "pending@readers.example.org", ["special-reports"])
    confirmed_reader(ctx, ["breaking"], email="gone@readers.example.org")
    suppress(ctx, "gone@readers.example.org")
    desk = signed_in_as(client, ctx, Role.VIEWER)

    def listed(**params: str) -> list[str]:
        return _listed(desk.get("/desk/subscribers", params=params).text)

    assert listed(list="special-reports") == ["pending@readers.example.org"]
    assert listed(list="breaking", status="pending") == []
    assert listed(status="confirmed") == [
        "gone@readers.example.org",
        "confirmed@readers.example.org",
    ]
    assert listed(status="suppressed") == ["gone@readers.example.org"]
    page = desk.get("/desk/subscribers", params={"status": "suppressed"}).text
    assert '<span class="status suppressed">suppressed</span>' in page


def test_search_is_by_prefix_in_any_case_and_keeps_to_the_filters(
    client: TestClient, ctx: Context
) -> None:
    confirmed_reader(ctx, ["breaking"], email="Jane.Doe@example.org")
    _pending(ctx, "jane_x@example.org")
    _pending(ctx, "janet@example.org")
    desk = signed_in_as(client, ctx, Role.VIEWER)

    def listed(**params: str) -> list[str]:
        return _listed(desk.get("/desk/subscribers", params=params).text)

    assert listed(q="JANE") == ["janet@example.org", "jane_x@example.org", "Jane.Doe@example.org"]
    assert listed(q="jane_") == ["jane_x@example.org"]  # `_` is a letter, not a wildcard
    assert listed(q="jane", status="confirmed") == ["Jane.Doe@example.org"]
    assert listed(q="doe") == []


def test_a_filter_that_does_not_exist_is_a_clear_refusal(client: TestClient, ctx: Context) -> None:
    desk = signed_in_as(client, ctx, Role.VIEWER)
    bad_status = desk.get("/desk/subscribers", params={"status": "bounced"})
    assert bad_status.status_code == 422
    assert "Choose a status among pending, confirmed, unsubscribed, suppressed" in bad_status.text
    bad_list = desk.get("/desk/subscribers", params={"list": "nope"})
    assert bad_list.status_code == 422 and "nope" in bad_list.text
    assert desk.get("/desk/subscribers", params={"before": "-1"}).status_code == 422
    assert desk.get("/desk/subscribers", params={"q": "x" * 400}).status_code == 422
