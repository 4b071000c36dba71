"""The API's OpenAPI document as the API really answers: every error `{"detail": str}`.

FastAPI documents only what a route declares, plus a list-shaped `HTTPValidationError`
for 422 that this API never sends (`app._unbound` turns binding errors into a
sentence). Declaring 401/403/404/422 by hand on every route would drift, so the
document is corrected once, from what decides those answers:

- 400 where the route takes a body (FastAPI's answer to one it cannot parse);
- 401 wherever the route depends on an API key (`auth.api_key`);
- 403 where it needs a sending or an admin key (`auth.sending_key`, `auth.admin_key`);
- 404 where the path names something (a path parameter: unknown id, unknown address);
- 422 wherever the request carries anything to refuse: `Problem`, or, where the route
  documents its own 422 (the import's per-row report), that body or a `Problem`.

`tests/web/api/test_openapi.py` holds the document to real answers, and the fuzz
suite (`tests/fuzz/`) checks every response against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from bulletin.web.api import auth

PROBLEM = "Problem"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": PROBLEM,
    "type": "object",
    "properties": {"detail": {"title": "Detail", "type": "string"}},
    "required": ["detail"],
    "description": "Every error the API returns: one sentence a person can act on.",
}
FASTAPI_422 = ("HTTPValidationError", "ValidationError")
WHY = {
    "400": "The body could not be parsed at all (not JSON, or a broken form).",
    "401": "No API key, or one that is unknown or revoked.",
    "403": "The key's role may not do this.",
    "404": "Nothing of that id or address.",
    "422": "The request could not be used; `detail` says why.",
}


def add_error_responses(api: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Serve FastAPI's document (cached by FastAPI) corrected in place; correcting is
    idempotent, so doing it on every call costs a walk over the routes and no more."""
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        return correct(generate(), routers)

    api.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override


def correct(spec: dict[str, Any], routers: Sequence[APIRouter]) -> dict[str, Any]:
    """The errors each route of `routers` can answer, in the API's shape, added to `spec`.

    The routers' own routes, not the app's: FastAPI's view of included routers is its
    internals (and changes between versions); our routers' prefixes are their own."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_422:
        schemas.pop(name, None)
    schemas[PROBLEM] = PROBLEM_SCHEMA
    for route in (route for router in routers for route in router.routes):
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in route.methods or ():
                _correct(spec["paths"][route.path_format][method.lower()], route)
    return spec


def _correct(operation: dict[str, Any], route: APIRoute) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    calls = set(_calls(route.dependant))
    wanted = {
        "400": bool(route.dependant.body_params),
        "401": auth.api_key in calls,
        "403": bool(calls & {auth.sending_key, auth.admin_key}),
        "404": bool(route.dependant.path_params),
        "422": _takes_input(route.dependant),
    }
    for status, applies in wanted.items():
        if not applies:
            continue
        own = responses.get(status)
        if own is None or _is_fastapi_422(own):
            responses[status] = _problem_response(WHY[status])
        else:
            responses[status] = _or_problem(own)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _takes_input(dependant: Dependant) -> bool:
    """Anything FastAPI binds from the request can be refused (422)."""
    return bool(
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.body_params
        or any(_takes_input(sub) for sub in dependant.dependencies if sub.call is not auth.bearer)
    )


def _problem_response(description: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{PROBLEM}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _is_fastapi_422(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return any(str(schema.get("$ref", "")).endswith(f"/{name}") for name in FASTAPI_422)


def _or_problem(response: dict[str, Any]) -> dict[str, Any]:
    """A route's own error body stays first; binding errors still answer with a Problem."""
    media = response.setdefault("content", {}).setdefault("application/json", {})
    own = media.get("schema")
    ref = {"$ref": f"#/components/schemas/{PROBLEM}"}
    if own is None:
        media["schema"] = ref
    elif own != ref and ref not in own.get("anyOf", []):
        media["schema"] = {"anyOf": [own, ref]}
    return response
