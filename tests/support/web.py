"""Helpers for driving the real ASGI app: CSRF tokens, signing in, links in mail."""

from __future__ import annotations

import base64
import re
from email.message import EmailMessage

from fastapi.testclient import TestClient

from bulletin.domain.models import Role
from bulletin.services.context import Context
from tests.support.factories import FakeClock, make_editor

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_STARTED = re.compile(r'name="form_started" value="([^"]+)"')
# How long the test's reader takes over the form: past the one-second minimum.
FILL_TIME_S = 2


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def started_from(html: str) -> str:
    """The signed time the sign-up form was served at."""
    match = _STARTED.search(html)
    assert match, "page has no form start time"
    return match.group(1)


def signup_fields(html: str) -> dict[str, str]:
    """The hidden fields a sign-up form must send back: CSRF token and start time."""
    return {"csrf_token": csrf_from(html), "form_started": started_from(html)}


def take_time(client: TestClient) -> None:
    """Let the app's (fake) clock run while a person fills in the form."""
    clock = client.app.state.context.clock  # type: ignore[attr-defined]
    assert isinstance(clock, FakeClock), "the app under test must run on a FakeClock"
    clock.advance(seconds=FILL_TIME_S)


def sign_up(client: TestClient, email: str, lists: list[str], time_zone: str = "") -> object:
    fields = signup_fields(client.get("/").text)
    take_time(client)
    return client.post(
        "/subscribe",
        data={**fields, "email": email, "lists": lists, "time_zone": time_zone},
        follow_redirects=False,
    )


STAFF_PASSWORD = "a-long-password-1"


def signed_in_as(client: TestClient, ctx: Context, role: Role = Role.EDITOR) -> TestClient:
    """The client, signed in as a new staff member with this role."""
    editor = make_editor(ctx, role=role, password=STAFF_PASSWORD)
    sign_in(client, editor.email, STAFF_PASSWORD)
    return client


def sign_in(client: TestClient, email: str, password: str) -> None:
    token = csrf_from(client.get("/desk/login").text)
    response = client.post(
        "/desk/login",
        data={"csrf_token": token, "email": email, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def link_in(message: EmailMessage, prefix: str) -> str:
    """The first link in the plain-text body that starts with `prefix`."""
    body = message.get_body(("plain",))
    assert body is not None
    match = re.search(re.escape(prefix) + r"\S+", body.get_content())
    assert match, f"no {prefix} link in the message"
    return match.group(0)


def unsubscribe_url(message: EmailMessage) -> str:
    """The https link from the List-Unsubscribe header."""
    match = re.search(r"<(https?://[^>]+)>", str(message["List-Unsubscribe"]))
    assert match
    return match.group(1)


def path_of(url: str, base: str = "http://bulletin.example.com") -> str:
    assert url.startswith(base), url
    return url[len(base) :]


def session_json(client: TestClient) -> str:
    """What the session cookie holds: it is signed, not encrypted, so anyone with the
    cookie can read this."""
    cookie = client.cookies.get("bulletin_session") or ""
    payload = cookie.split(".")[0]
    return base64.b64decode(payload + "=" * (-len(payload) % 4)).decode(errors="replace")
