"""The REST API application, mounted at /api/v1, with its errors as JSON.

Each resource is one router module; included below, they share the same key
authentication, error mapping and OpenAPI document.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse, Response

from bulletin.domain.errors import (
    AuthenticationFailed,
    BulletinError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TokenError,
)
from bulletin.services.context import Context
from bulletin.web.api import alerts, campaigns, special_reports, stories, subscribers
from bulletin.web.api.docs import add_docs
from bulletin.web.api.openapi import add_error_responses
from bulletin.web.validation import describe

PREFIX = "/api/v1"
ROUTERS = (
    subscribers.router,
    alerts.router,
    campaigns.router,
    stories.router,
    special_reports.router,
)
STATUS = {
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    NotFound: 404,
    InvalidInput: 422,
    TokenError: 400,
}


def create_api(ctx: Context) -> FastAPI:
    api = FastAPI(
        title=f"{ctx.settings.newsroom_name} — Bulletin API",
        version="1",
        description=(
            "Readers, stories, breaking alerts, special reports and campaigns."
            " Every change is written to the audit log."
        ),
        docs_url=None,  # Swagger UI from our own copy: see docs.py
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    api.state.context = ctx
    for router in ROUTERS:
        api.include_router(router)
    add_docs(api, prefix=PREFIX, title=ctx.settings.newsroom_name)
    add_error_responses(api, ROUTERS)
    api.add_exception_handler(BulletinError, _problem)
    api.add_exception_handler(RequestValidationError, _unbound)
    return api


async def _problem(request: Request, exc: Exception) -> Response:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 500)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


async def _unbound(request: Request, exc: Exception) -> Response:
    """A request FastAPI could not bind: the same `{"detail": "..."}` as every other error."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": describe(exc)}, status_code=422)
