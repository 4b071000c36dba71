"""Numbers past the database's 64-bit integers, in any id, `after=`, `before=` or
`story_id`, are refused at the edge (404 for a path, 422 otherwise), never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.web.api import app as api
from bulletin.web.app import create_app
from tests.support.api import key_headers
from tests.support.web import csrf_from, signed_in_as

TOO_BIG = str(2**63)
# Path parameters that are not ids take a value their route accepts.
OTHER_PARAMETERS = {"action": "pause", "key": "x", "slug": "breaking"}
ACTIONS = {"/desk/users/{editor_id}/{action}": "disable", "/desk/briefing/{action}": "pin"}
_PARAMETER = re.compile(r"\{(\w+)\}")


@pytest.fixture
def lenient(ctx: Context) -> Iterator[TestClient]:
    """The app with server errors as 500 answers, so the test can count them."""
    with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
        yield client


def _id_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) whose path holds an id, with each id made TOO_BIG."""
    found = []
    for template, operations in app.openapi()["paths"].items():
        if "_id}" in template:
            path = _PARAMETER.sub(partial(_value, template), template)
            found += [(method.upper(), path) for method in sorted(operations)]
    return found


def _value(path: str, match: re.Match[str]) -> str:
    name = match.group(1)
    if name.endswith("_id"):
        return TOO_BIG
    return ACTIONS.get(path, OTHER_PARAMETERS[name])


def test_every_desk_route_with_an_id_answers_not_found_to_a_number_too_big(
    lenient: TestClient, ctx: Context
) -> None:
    signed_in_as(lenient, ctx, Role.ADMIN)
    token = csrf_from(lenient.get("/desk").text)
    routes = _id_routes(create_app(ctx))
    assert len(routes) >= 18

    answers = {
        (method, path): lenient.request(
            method, path, data={"csrf_token": token} if method == "POST" else None
        ).status_code
        for method, path in routes
    }

    assert {k: v for k, v in answers.items() if v != 404} == {}


@pytest.mark.parametrize(
    "path",
    [
        f"/desk/stories?before={TOO_BIG}",
        f"/desk/audit?before={TOO_BIG}",
        f"/desk/alerts/new?story={TOO_BIG}",
        f"/desk/alerts/new?parent={TOO_BIG}",
        f"/desk/special-reports/new?story={TOO_BIG}",
        f"/desk/briefing?segment={TOO_BIG}",
    ],
)
def test_a_desk_query_number_too_big_is_refused_with_a_page(
    lenient: TestClient, ctx: Context, path: str
) -> None:
    signed_in_as(lenient, ctx, Role.ADMIN)

    response = lenient.get(path)

    assert response.status_code == 422
    assert "That could not be done" in response.text
    assert "less than or equal to 9223372036854775807" in response.text


@pytest.mark.parametrize(
    ("path", "field"),
    [("/desk/alerts/review", "story_id"), ("/desk/alerts/review", "parent_id")],
)
def test_a_desk_form_number_too_big_is_refused_with_a_page(
    lenient: TestClient, ctx: Context, path: str, field: str
) -> None:
    signed_in_as(lenient, ctx, Role.ADMIN)
    token = csrf_from(lenient.get("/desk/alerts/new").text)
    form = {"csrf_token": token, "headline": "Quake", "summary": "It shook.", field: TOO_BIG}

    response = lenient.post(path, data=form)

    assert response.status_code == 422
    assert "a story or alert number is not a number" in response.text


def test_every_api_route_with_an_id_answers_a_problem_to_a_number_too_big(
    lenient: TestClient, ctx: Context
) -> None:
    headers = key_headers(ctx, Role.ADMIN)
    routes = _id_routes(api.create_api(ctx))
    assert len(routes) >= 10

    answers = {
        (method, path): lenient.request(method, api.PREFIX + path, headers=headers, json={})
        for method, path in routes
    }

    refused = {k: r.status_code for k, r in answers.items() if r.status_code != 422}
    assert refused == {}
    assert all(isinstance(r.json()["detail"], str) for r in answers.values())


@pytest.mark.parametrize("path", [f"/subscribers?after={TOO_BIG}", f"/stories?before={TOO_BIG}"])
def test_api_paging_past_the_largest_id_is_refused(
    lenient: TestClient, ctx: Context, path: str
) -> None:
    response = lenient.get(api.PREFIX + path, headers=key_headers(ctx, Role.VIEWER))

    assert response.status_code == 422
    assert "less than or equal to" in response.json()["detail"]


def test_an_api_body_story_id_too_big_is_refused(lenient: TestClient, ctx: Context) -> None:
    body = {"headline": "A year on", "sections": [], "story_id": 2**63}

    response = lenient.post(
        api.PREFIX + "/special-reports", headers=key_headers(ctx, Role.EDITOR), json=body
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("body story_id:")
