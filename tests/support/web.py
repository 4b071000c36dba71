"""Helpers for driving the real ASGI app: CSRF tokens, signing in, links in mail."""

from __future__ import annotations

import re
from email.message import EmailMessage

from fastapi.testclient import TestClient

from bulletin.domain.models import Role
from bulletin.services.context import Context
from tests.support.factories import make_editor

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_up(client: TestClient, email: str, lists: list[str], time_zone: str = "") -> object:
    token = csrf_from(client.get("/").text)
    return client.post(
        "/subscribe",
        data={"csrf_token": token, "email": email, "lists": lists, "time_zone": time_zone},
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
