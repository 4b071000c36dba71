"""A flash message is shown once, on the page a post redirects to, and never again."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from bulletin.web import flash


def _post(request: Request) -> Response:
    return flash.redirect(request, "/shown", "Test sent to you@example.org.")


def _fail(request: Request) -> Response:
    return flash.redirect(request, "/shown", "The relay refused.", kind="error")


def _many(request: Request) -> Response:
    for n in range(20):
        flash.flash(request, f"note {n}")
    return Response("ok")


def _shown(request: Request) -> Response:
    return JSONResponse([[note.kind, note.text] for note in flash.take(request)])


def _client() -> TestClient:
    app = Starlette(
        routes=[
            Route("/post", _post, methods=["POST"]),
            Route("/fail", _fail, methods=["POST"]),
            Route("/many", _many, methods=["POST"]),
            Route("/shown", _shown),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key="k" * 32)],
    )
    return TestClient(app)


def test_a_post_answers_see_other_to_a_get_that_shows_the_message_once() -> None:
    client = _client()
    answer = client.post("/post", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/shown"
    assert client.get("/shown").json() == [["ok", "Test sent to you@example.org."]]
    assert client.get("/shown").json() == []


def test_an_error_keeps_its_kind() -> None:
    client = _client()
    assert client.post("/fail").json() == [["error", "The relay refused."]]


def test_messages_never_seen_do_not_grow_the_session_cookie_without_bound() -> None:
    client = _client()
    client.post("/many")
    shown = client.get("/shown").json()
    assert len(shown) == flash.LIMIT
    assert shown[-1] == ["ok", "note 19"]
