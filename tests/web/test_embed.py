"""The embeddable sign-up form: framing rules, and its cookie-less CSRF protection."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bulletin.services.context import Context
from bulletin.store.tables import consent_records, subscribers
from bulletin.web.app import create_app
from tests.support.factories import FakeClock, unique_email
from tests.support.tokens import tampered
from tests.support.web import started_from, take_time

OWN_ORIGIN = "http://bulletin.example.com"
ARTICLES = "https://www.news.example.com"


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    framed = dataclasses.replace(
        ctx,
        settings=ctx.settings.replace(embed_origins=(ARTICLES, "https://*.partner.example")),
    )
    with TestClient(create_app(framed)) as test_client:
        yield test_client


def _form_token(client: TestClient) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', client.get("/embed").text)
    assert match
    return match.group(1)


def _post(
    client: TestClient,
    *,
    origin: str | None,
    token: str | None,
    email: str,
    fetch_site: str | None = None,
) -> object:
    headers = {"Origin": origin} if origin else {}
    if fetch_site:
        headers["Sec-Fetch-Site"] = fetch_site
    started = started_from(client.get("/embed").text)
    take_time(client)
    data = {"email": email, "lists": ["breaking"], "time_zone": "Europe/Paris"}
    data["form_started"] = started
    if token is not None:
        data["form_token"] = token
    client.cookies.clear()  # a framed page on another site sends none of our cookies
    return client.post("/embed/subscribe", data=data, headers=headers, follow_redirects=False)


def _subscribers(ctx: Context) -> int:
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(subscribers)).scalar_one())


def test_embed_may_be_framed_only_by_the_configured_sites(client: TestClient) -> None:
    response = client.get("/embed")
    assert response.status_code == 200
    assert response.headers["content-security-policy"].endswith(
        f"; frame-ancestors 'self' {ARTICLES} https://*.partner.example"
    )
    assert "x-frame-options" not in response.headers
    for value in ("breaking", "special-reports", "morning-briefing"):
        assert f'value="{value}"' in response.text


def test_every_other_page_refuses_to_be_framed_elsewhere(client: TestClient) -> None:
    for path in ("/", "/check-inbox", "/desk/login"):
        response = client.get(path)
        assert response.headers["x-frame-options"] == "SAMEORIGIN"
        assert response.headers["content-security-policy"].endswith("; frame-ancestors 'self'")


def test_the_embedded_form_sets_no_cookie(client: TestClient) -> None:
    client.cookies.clear()
    assert "set-cookie" not in client.get("/embed").headers


def test_a_sign_up_from_the_framed_form_is_accepted_without_cookies(
    client: TestClient, ctx: Context
) -> None:
    email = unique_email()
    response = _post(client, origin=OWN_ORIGIN, token=_form_token(client), email=email)
    assert response.status_code == 303  # type: ignore[attr-defined]
    location = response.headers["location"]  # type: ignore[attr-defined]
    assert location.startswith("/embed/check-inbox?s=")
    with ctx.db.transaction() as conn:
        methods = set(conn.execute(select(consent_records.c.method)).scalars())
        zone = conn.execute(select(subscribers.c.time_zone)).scalar_one()
    assert methods == {"embed_form"}
    assert zone == "Europe/Paris"
    # The framed page names the address it sent to, from the sealed state in its address
    # (which does not carry the address in the clear), and still sets no cookie.
    assert email not in location and email.split("@")[0] not in location
    shown = client.get(location)
    assert "Check your inbox" in shown.text and email in shown.text
    assert "set-cookie" not in shown.headers


def test_the_framed_check_inbox_page_names_no_address_it_was_not_sealed_with(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    email = unique_email()
    posted = _post(client, origin=OWN_ORIGIN, token=_form_token(client), email=email)
    location = str(posted.headers["location"])  # type: ignore[attr-defined]
    middle = len(location) // 2 + 20
    flipped = location[:middle] + ("B" if location[middle] != "B" else "C") + location[middle + 1 :]
    for forged in ("/embed/check-inbox?s=x", "/embed/check-inbox?s=" + "A" * 5000, flipped):
        shown = client.get(forged)
        assert shown.status_code == 200 and email not in shown.text
        assert "Check your inbox" in shown.text
    clock.advance(seconds=ctx.settings.confirm_max_age_s + 60)
    assert email not in client.get(location).text  # expired with its confirmation link


def test_a_null_origin_is_accepted_only_from_a_same_origin_fetch(
    client: TestClient, ctx: Context
) -> None:
    token = _form_token(client)
    accepted = _post(
        client, origin="null", token=token, email=unique_email(), fetch_site="same-origin"
    )
    refused = _post(
        client, origin="null", token=token, email=unique_email(), fetch_site="cross-site"
    )
    assert accepted.status_code == 303  # type: ignore[attr-defined]
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert _subscribers(ctx) == 1


@pytest.mark.parametrize(
    ("origin", "fetch_site", "use_token"),
    [
        ("https://evil.example", "cross-site", True),  # another site posting our form
        ("https://evil.example", "same-origin", True),  # a lying header does not help
        (ARTICLES, "cross-site", True),  # a site allowed to frame us cannot post for readers
        (None, None, True),  # neither Origin nor Sec-Fetch-Site: nothing to trust
        (OWN_ORIGIN, "same-origin", False),  # no form token
    ],
)
def test_forged_embedded_sign_ups_are_refused(
    client: TestClient, ctx: Context, origin: str | None, fetch_site: str | None, use_token: bool
) -> None:
    token = _form_token(client) if use_token else None
    response = _post(
        client, origin=origin, token=token, email=unique_email(), fetch_site=fetch_site
    )
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert _subscribers(ctx) == 0


def test_a_tampered_form_token_is_refused(client: TestClient, ctx: Context) -> None:
    token = _form_token(client)
    response = _post(client, origin=OWN_ORIGIN, token=tampered(token), email=unique_email())
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert _subscribers(ctx) == 0


def test_a_bad_address_reshows_the_embedded_form(client: TestClient, ctx: Context) -> None:
    response = _post(client, origin=OWN_ORIGIN, token=_form_token(client), email="nope@@x")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "valid email address" in response.text  # type: ignore[attr-defined]
    assert 'name="form_token"' in response.text  # type: ignore[attr-defined]
