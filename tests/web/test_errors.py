"""Error pages: readers and editors get a page in the look of where they were, the API
gets `{"detail": ...}`, and a failure of ours is logged with the request's id, never shown."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from bulletin.domain.errors import InvalidInput, PermissionDenied
from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.web.api.app import PREFIX
from bulletin.web.app import create_app
from tests.support.web import signed_in_as


def _boom() -> None:
    raise RuntimeError("the secret stack detail")


def _refuse() -> None:
    raise InvalidInput("That list does not exist: choose one of the lists shown.")


def _forbid() -> None:
    raise PermissionDenied("Your role cannot do that.")


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    app = create_app(ctx)
    app.add_api_route("/desk/boom", _boom)
    app.add_api_route("/boom", _boom)
    for prefix in ("", "/desk"):
        app.add_api_route(f"{prefix}/refuse", _refuse)
        app.add_api_route(f"{prefix}/forbid", _forbid)
    api = next(r.app for r in app.routes if isinstance(r, Mount) and r.path == PREFIX)
    assert isinstance(api, FastAPI)
    api.add_api_route("/boom", _boom)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_an_unknown_reader_address_is_a_reader_page(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "We couldn't find that page" in response.text
    assert 'class="reader"' in response.text and "Go to the newsletters" in response.text


def test_an_unknown_desk_address_is_a_desk_page_with_the_menu(
    client: TestClient, ctx: Context
) -> None:
    signed_out = client.get("/desk/no-such-page")
    assert signed_out.status_code == 404 and 'class="desk"' in signed_out.text
    assert 'aria-label="Desk"' not in signed_out.text
    signed_in_as(client, ctx, Role.EDITOR)
    signed_in = client.get("/desk/no-such-page")
    assert signed_in.status_code == 404 and "Back to the desk" in signed_in.text
    assert 'aria-label="Desk"' in signed_in.text  # an editor keeps the desk's menu


def test_a_refusal_or_a_forbidden_action_is_in_the_look_of_where_it_was(
    client: TestClient, ctx: Context
) -> None:
    refused, forbidden = client.get("/refuse"), client.get("/forbid")
    assert refused.status_code == 422 and forbidden.status_code == 403
    for response in (refused, forbidden):
        assert 'class="reader"' in response.text and 'class="desk"' not in response.text
        assert "Go to the newsletters" in response.text and "Back to the desk" not in response.text
    assert "choose one of the lists shown" in refused.text
    assert "Ask an admin" not in forbidden.text  # a reader has no admin to ask

    signed_in_as(client, ctx, Role.EDITOR)
    desk_refused, desk_forbidden = client.get("/desk/refuse"), client.get("/desk/forbid")
    assert desk_refused.status_code == 422 and desk_forbidden.status_code == 403
    for response in (desk_refused, desk_forbidden):
        assert 'class="desk"' in response.text and 'aria-label="Desk"' in response.text
    assert "Ask an admin" in desk_forbidden.text


def test_the_api_keeps_json(client: TestClient) -> None:
    for path in ("/api/v1/no-such-thing", "/api/nothing"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not Found"}, path


def test_a_wrong_method_is_a_page_too(client: TestClient) -> None:
    response = client.delete("/")
    assert response.status_code == 405 and "does not take that kind" in response.text


@pytest.mark.parametrize(
    ("path", "look"), [("/boom", 'class="reader"'), ("/desk/boom", 'class="desk"')]
)
def test_a_failure_is_a_page_with_the_request_id_and_is_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture, path: str, look: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="bulletin.web"):
        response = client.get(path, headers={"X-Request-ID": "req-500-page"})
    assert response.status_code == 500 and look in response.text
    assert "Something went wrong" in response.text and "req-500-page" in response.text
    assert response.headers["x-request-id"] == "req-500-page"
    assert "secret stack detail" not in response.text and "Traceback" not in response.text
    (record,) = [r for r in caplog.records if r.exc_info]
    assert "req-500-page" in record.getMessage() and path in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


def test_a_failure_in_the_api_is_json_and_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bulletin.web"):
        response = client.get(PREFIX + "/boom", headers={"X-Request-ID": "req-500-api"})
    assert response.status_code == 500
    assert response.json()["detail"].startswith("Something went wrong on our side.")
    assert "req-500-api" in response.json()["detail"]
    assert any("req-500-api" in r.getMessage() for r in caplog.records if r.exc_info)


def test_a_desk_form_without_its_token_is_refused_in_the_desk_look(
    client: TestClient, ctx: Context
) -> None:
    signed_in_as(client, ctx, Role.EDITOR)
    refused = client.post("/desk/account/sign-out-everywhere", data={})
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    assert 'class="desk"' in refused.text and "sign up again" not in refused.text
    reader = client.post("/subscribe", data={"email": "someone@example.org"})
    assert reader.status_code == 403 and 'class="reader"' in reader.text
