"""Sign-in returns to the desk page that was asked for, and never to another site."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bulletin.services.context import Context
from bulletin.web.desk.next_page import safe_next
from tests.support.factories import make_editor
from tests.support.web import csrf_from

PASSWORD = "a-long-enough-password"


@pytest.mark.parametrize(
    "value",
    [
        "//evil.example/desk",
        "https://evil.example/desk",
        "/\\evil.example",
        "/desk\\..",
        "desk",
        "/elsewhere",
        "/desk/login?next=/desk",
        "/desk\r\nX: y",
        "",
        None,
    ],
)
def test_anything_but_a_desk_path_goes_to_the_dashboard(value: str | None) -> None:
    assert safe_next(value) == "/desk"


def test_a_desk_path_with_its_query_is_kept() -> None:
    assert safe_next("/desk/campaigns/1/report?x=1") == "/desk/campaigns/1/report?x=1"


def test_signing_in_returns_to_the_page_asked_for(client: TestClient, ctx: Context) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    asked = client.get("/desk/campaigns/1/report", follow_redirects=False)
    assert asked.headers["location"] == "/desk/login?next=%2Fdesk%2Fcampaigns%2F1%2Freport"
    form = client.get(asked.headers["location"])
    assert 'name="next" value="/desk/campaigns/1/report"' in form.text
    done = client.post(
        "/desk/login",
        data={
            "csrf_token": csrf_from(form.text),
            "email": editor.email,
            "password": PASSWORD,
            "next": "/desk/campaigns/1/report",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/desk/campaigns/1/report"


def test_a_next_to_another_site_signs_in_to_the_dashboard(client: TestClient, ctx: Context) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    form = client.get("/desk/login?next=//evil.example/")
    assert "evil.example" not in form.text
    done = client.post(
        "/desk/login",
        data={
            "csrf_token": csrf_from(form.text),
            "email": editor.email,
            "password": PASSWORD,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert done.headers["location"] == "/desk"
