"""Response headers: a real content security policy, HSTS in production, no caching of
token pages or the desk, and the API's documentation served from Bulletin itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.web.app import create_app
from tests.support.factories import confirmed_reader
from tests.support.web import signed_in_as

TEMPLATES = Path(__file__).parents[2] / "src/bulletin/web/templates"
REQUIRED = ("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'")


def _directives(response: object) -> set[str]:
    policy: str = response.headers["content-security-policy"]  # type: ignore[attr-defined]
    return {part.strip() for part in policy.split(";")}


@pytest.mark.parametrize("path", ["/", "/desk/login", "/embed", "/api/v1/docs"])
def test_every_page_has_a_policy_that_runs_only_our_own_scripts(
    client: TestClient, path: str
) -> None:
    directives = _directives(client.get(path))

    assert set(REQUIRED) <= directives
    assert not any("unsafe-inline" in d or "unsafe-eval" in d for d in directives if "script" in d)
    assert any(d.startswith("frame-ancestors 'self'") for d in directives)


def test_no_template_holds_an_inline_script_or_event_handler() -> None:
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if inline.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_token_pages_and_the_desk_are_never_cached(client: TestClient, ctx: Context) -> None:
    reader = confirmed_reader(ctx, email="cached@readers.example.org")
    leave = ctx.tokens.unsubscribe(reader, 1)
    prefs = ctx.tokens.preferences(reader, "cached@readers.example.org")
    signed_in_as(client, ctx, Role.EDITOR)

    for path in (f"/unsubscribe/{leave}", f"/preferences/{prefs}", "/confirm/x", "/desk"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    assert "cache-control" not in client.get("/").headers


def test_hsts_is_sent_in_production_only(ctx: Context) -> None:
    production = ctx.settings.replace(env="production", base_url="https://news.example.com")
    ctx.settings = production
    with TestClient(create_app(ctx), base_url="https://news.example.com") as client:
        assert client.get("/").headers["strict-transport-security"].startswith("max-age=")


def test_hsts_is_not_sent_in_development(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/").headers


@pytest.fixture
def docs(client: TestClient) -> Iterator[str]:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    yield response.text


def test_the_api_docs_load_swagger_ui_from_bulletin_itself(client: TestClient, docs: str) -> None:
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs)

    assert sources and all(s.startswith("/") for s in sources)  # no CDN, no other origin
    for source in sources:
        assert client.get(source).status_code == 200, source
