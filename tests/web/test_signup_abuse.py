"""The public sign-up forms under abuse: robots, floods, spoofed addresses, polite refusals."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Table, func, select

from bulletin.services.context import Context
from bulletin.services.readers.signup_limits import SignUpLimits
from bulletin.store.tables import consent_records, outbox, subscribers
from bulletin.web.app import create_app
from tests.support.factories import FakeClock, unique_email
from tests.support.web import signup_fields, take_time

OWN_ORIGIN = "http://bulletin.example.com"
PROXY = ("10.0.0.2", 40000)


def _app_client(
    ctx: Context, *, peer: tuple[str, int] = ("198.51.100.7", 40000), **settings: object
) -> TestClient:
    changed = dataclasses.replace(ctx, settings=ctx.settings.replace(**settings))
    limits = SignUpLimits(changed.settings, key_prefix=f"test-{uuid.uuid4().hex}")
    return TestClient(create_app(changed, signup_limits=limits), client=peer)


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    with _app_client(ctx, signup_limit_ip="3/minute") as test_client:
        yield test_client


def _count(ctx: Context, table: Table) -> int:
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _post(
    client: TestClient,
    email: str,
    *,
    wait: bool = True,
    extra: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    fields = signup_fields(client.get("/").text)
    if wait:
        take_time(client)
    data = {**fields, "email": email, "lists": ["breaking"], **(extra or {})}
    return client.post("/subscribe", data=data, headers=headers or {}, follow_redirects=False)


def _embed_post(
    client: TestClient, email: str, *, wait: bool = True, **extra: str
) -> httpx.Response:
    html = client.get("/embed").text
    token = re.search(r'name="form_token" value="([^"]+)"', html)
    started = re.search(r'name="form_started" value="([^"]+)"', html)
    assert token and started
    if wait:
        take_time(client)
    data = {"form_token": token.group(1), "form_started": started.group(1)}
    client.cookies.clear()
    return client.post(
        "/embed/subscribe",
        data={**data, "email": email, "lists": ["breaking"], **extra},
        headers={"Origin": OWN_ORIGIN},
        follow_redirects=False,
    )


def test_both_forms_carry_a_honeypot_people_do_not_see_and_a_signed_start_time(
    client: TestClient,
) -> None:
    for path in ("/", "/embed"):
        html = client.get(path).text
        assert re.search(r'<div class="hp" aria-hidden="true">', html)
        assert 'name="website" type="text" tabindex="-1" autocomplete="off"' in html
        assert 'name="form_started" value="' in html
    assert ".hp {" in client.get("/static/site.css").text


def test_a_filled_honeypot_shows_the_form_again_and_stores_nothing(
    client: TestClient, ctx: Context
) -> None:
    response = _post(client, "bot@readers.example.org", extra={"website": "http://spam.example"})

    assert response.status_code == 422
    assert "field that people do not see" in response.text
    assert 'value="bot@readers.example.org"' in response.text  # a person keeps what they typed
    assert _count(ctx, subscribers) == 0


def test_a_form_sent_back_within_a_second_is_shown_again_to_press_once_more(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    email = unique_email()
    fast = _post(client, email, wait=False)
    assert fast.status_code == 422
    assert "quicker than we expected" in fast.text
    assert _count(ctx, subscribers) == 0

    again = re.search(r'name="form_started" value="([^"]+)"', fast.text)
    assert again  # the form shown again carries a fresh start time that works
    clock.advance(seconds=2)
    data = {**signup_fields(fast.text), "email": email, "lists": ["breaking"]}
    assert client.post("/subscribe", data=data, follow_redirects=False).status_code == 303


def test_a_missing_forged_or_day_old_start_time_is_refused(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    fields = signup_fields(client.get("/").text)
    clock.advance(hours=25)
    base = {"email": unique_email(), "lists": ["breaking"], "csrf_token": fields["csrf_token"]}
    for started in (None, "forged.value", fields["form_started"]):
        data = {**base} if started is None else {**base, "form_started": started}
        response = client.post("/subscribe", data=data, follow_redirects=False)
        assert response.status_code == 422
        assert "out of date" in response.text
    assert _count(ctx, subscribers) == 0


def test_the_embedded_form_refuses_robots_as_the_page_does(
    client: TestClient, ctx: Context
) -> None:
    assert _embed_post(client, unique_email(), website="x").status_code == 422
    assert _embed_post(client, unique_email(), wait=False).status_code == 422
    assert _embed_post(client, unique_email()).status_code == 303
    assert _count(ctx, subscribers) == 1


def test_past_the_clients_limit_a_polite_page_says_when_to_come_back(
    client: TestClient, ctx: Context
) -> None:
    for _ in range(3):
        assert _post(client, unique_email()).status_code == 303

    refused = _post(client, unique_email())

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "Please try again a little later" in refused.text
    assert "try again in a minute" in refused.text
    assert _count(ctx, subscribers) == 3


def test_the_embedded_forms_refusal_is_polite_too_and_stays_in_its_frame(
    client: TestClient,
) -> None:
    for _ in range(3):
        _embed_post(client, unique_email())

    refused = _embed_post(client, unique_email())

    assert refused.status_code == 429 and "retry-after" in refused.headers
    assert 'href="/embed"' in refused.text
    assert "set-cookie" not in refused.headers


def test_forwarded_for_from_an_untrusted_client_does_not_escape_its_limit(
    client: TestClient,
) -> None:
    statuses = [
        _post(client, unique_email(), headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [303, 303, 303, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(ctx: Context) -> None:
    proxies = (ipaddress.ip_network("10.0.0.0/8"),)
    with _app_client(ctx, peer=PROXY, signup_limit_ip="1/minute", trusted_proxies=proxies) as app:
        first = [
            _post(app, unique_email(), headers={"X-Forwarded-For": f"203.0.{n}.9"})
            for n in range(3)
        ]
        spoofed = _post(app, unique_email(), headers={"X-Forwarded-For": "1.1.1.1, 203.0.0.9"})

    assert [r.status_code for r in first] == [303, 303, 303]
    assert spoofed.status_code == 429  # the client typed 1.1.1.1; the proxy saw 203.0.0.9


def test_the_consent_record_keeps_the_forwarded_client_address(ctx: Context) -> None:
    proxies = (ipaddress.ip_network("10.0.0.0/8"),)
    with _app_client(ctx, peer=PROXY, trusted_proxies=proxies) as app:
        assert (
            _post(app, unique_email(), headers={"X-Forwarded-For": "203.0.113.50"}).status_code
            == 303
        )
    with ctx.db.transaction() as conn:
        assert set(conn.execute(select(consent_records.c.ip)).scalars()) == {"203.0.113.50"}


def test_readers_of_one_office_under_the_limits_are_all_accepted(ctx: Context) -> None:
    """Distinct people behind one address, as fast as people type: none is turned away."""
    with _app_client(ctx) as office:  # the default limits
        statuses = [_post(office, unique_email()).status_code for _ in range(10)]

    assert statuses == [303] * 10
    assert _count(ctx, outbox) == 10
