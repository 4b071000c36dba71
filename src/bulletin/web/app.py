"""The ASGI application: routers, sessions, security headers and error pages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.services.clicks.tracking import ClickTracking
from bulletin.services.context import Context
from bulletin.services.health.readiness import ReadinessProbe
from bulletin.services.readers.signup_limits import SignUpLimits
from bulletin.services.readers.webhooks import Webhooks
from bulletin.web import errors
from bulletin.web.api import app as api
from bulletin.web.archive import router as archive_router
from bulletin.web.csrf import CsrfError
from bulletin.web.deps import DESK_COOKIE, LoginRequired
from bulletin.web.desk.account import router as account_router
from bulletin.web.desk.alerts import router as alerts_router
from bulletin.web.desk.api_keys import router as api_keys_router
from bulletin.web.desk.audit import router as audit_router
from bulletin.web.desk.briefing import router as briefing_router
from bulletin.web.desk.campaigns import router as campaigns_router
from bulletin.web.desk.next_page import login_url
from bulletin.web.desk.routes import router as desk_router
from bulletin.web.desk.settings import router as settings_router
from bulletin.web.desk.sign_in import router as sign_in_router
from bulletin.web.desk.special_reports import router as special_reports_router
from bulletin.web.desk.stories import router as stories_router
from bulletin.web.desk.subscribers import router as subscribers_router
from bulletin.web.desk.test_sends import router as test_sends_router
from bulletin.web.desk.users import router as users_router
from bulletin.web.desk.webhooks import router as webhooks_router
from bulletin.web.errors import ServerErrors
from bulletin.web.headers import ResponseHeaders
from bulletin.web.health import router as health_router
from bulletin.web.hooks import router as hooks_router
from bulletin.web.metrics_route import router as metrics_router
from bulletin.web.pages import page
from bulletin.web.reader import clicks as click_redirects
from bulletin.web.reader import opens as open_pixels
from bulletin.web.reader.embed import router as embed_router
from bulletin.web.reader.form_guard import FormGuard
from bulletin.web.reader.preferences import router as preferences_router
from bulletin.web.reader.routes import router as reader_router
from bulletin.web.request_ids import RequestIds
from bulletin.web.templating import make_templates
from bulletin.web.validation import describe, in_path

STATIC = Path(__file__).parent / "static"


def create_app(
    ctx: Context, *, webhooks: Webhooks | None = None, signup_limits: SignUpLimits | None = None
) -> FastAPI:
    """The whole web app on `ctx`; `webhooks` replaces the providers' webhook intake and
    `signup_limits` the limits the settings make (tests)."""
    app = FastAPI(
        title="Bulletin", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan
    )
    app.state.context = ctx
    app.state.clicks = ClickTracking(ctx)
    app.state.webhooks = webhooks or Webhooks(ctx)
    app.state.templates = make_templates()
    app.state.readiness = ReadinessProbe(ctx)
    app.state.signup_limits = signup_limits or SignUpLimits(ctx.settings)
    app.state.form_guard = FormGuard(
        ctx.settings.secret_key, min_fill_s=ctx.settings.signup_min_fill_s, clock=ctx.clock
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=ctx.settings.secret_key,
        session_cookie="bulletin_session",
        max_age=ctx.settings.session_max_age_s,
        same_site="lax",
        https_only=ctx.settings.base_url.startswith("https://"),
    )
    app.add_middleware(
        ResponseHeaders,
        embed_origins=ctx.settings.embed_origins,
        hsts=ctx.settings.env == "production" and ctx.settings.base_url.startswith("https://"),
    )
    # Inside RequestIds: a failure is logged, and its page shows, with the request's id.
    app.add_middleware(
        ServerErrors, templates=app.state.templates, newsroom=ctx.settings.newsroom_name
    )
    app.add_middleware(RequestIds)  # added last: outermost, so every log line has the id
    # First of all routes: the busiest path after a breaking alert, matched at once.
    app.mount(click_redirects.PREFIX, click_redirects.redirects)
    app.mount(open_pixels.PREFIX, open_pixels.pixels)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_api_route("/favicon.ico", _favicon, include_in_schema=False)
    api_app = api.create_api(ctx)
    api_app.add_exception_handler(Exception, errors.api_server_error)
    app.mount(api.PREFIX, api_app)
    app.include_router(reader_router)
    app.include_router(embed_router)
    app.include_router(preferences_router)
    app.include_router(sign_in_router)
    app.include_router(desk_router)
    app.include_router(account_router)
    app.include_router(alerts_router)
    app.include_router(campaigns_router)
    app.include_router(briefing_router)
    app.include_router(special_reports_router)
    app.include_router(test_sends_router)
    app.include_router(subscribers_router)
    app.include_router(stories_router)
    app.include_router(users_router)
    app.include_router(settings_router)
    app.include_router(audit_router)
    app.include_router(api_keys_router)
    app.include_router(webhooks_router)
    app.include_router(hooks_router)
    app.include_router(archive_router)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(CsrfError, _csrf_refused)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(PermissionDenied, _forbidden)
    app.add_exception_handler(InvalidInput, _refused)
    app.add_exception_handler(RequestValidationError, _unbound)
    app.add_exception_handler(StarletteHTTPException, errors.http_error)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """What runs beside the requests: the click recorder's flushes, the last one on the
    way out so a clean restart loses no click. Further duties join here, each started
    before the yield and stopped after it."""
    clicks: ClickTracking = app.state.clicks
    stop = asyncio.Event()
    flushing = asyncio.create_task(clicks.recorder.run(stop)) if clicks.counting else None
    try:
        yield
    finally:
        stop.set()
        if flushing is not None:
            await flushing


def _favicon() -> Response:
    """Browsers ask for it at the root whatever the page links; a day's cache spares them."""
    return FileResponse(STATIC / "favicon.ico", headers={"Cache-Control": "public, max-age=86400"})


async def _to_login(request: Request, exc: Exception) -> Response:
    # A page asked for by GET comes back after sign-in; a post's form is gone anyway.
    wanted = request.method == "GET"
    target = login_url(request.url.path, request.url.query) if wanted else "/desk/login"
    response = RedirectResponse(target, status_code=303)
    if DESK_COOKIE in request.cookies:
        response.delete_cookie(DESK_COOKIE, path="/desk")
    return response


async def _csrf_refused(request: Request, exc: Exception) -> Response:
    message = (
        "This form has expired or did not come from this site. "
        "Please go back, reload the page and try again."
    )
    if errors.for_desk(request.url.path):  # an editor, not a reader told to sign up again
        return errors.refused_page(request, message, status_code=403)
    return page(request, "reader/link_error.html", status_code=403, message=message)


async def _not_found(request: Request, exc: Exception) -> Response:
    return errors.not_found_page(request, str(exc))


async def _refused(request: Request, exc: Exception) -> Response:
    """Input a page did not handle itself: the reason, never a server error."""
    return errors.refused_page(request, str(exc))


async def _unbound(request: Request, exc: Exception) -> Response:
    """A page's path or query FastAPI could not bind: a page, never FastAPI's JSON."""
    assert isinstance(exc, RequestValidationError)
    if in_path(exc):
        return errors.not_found_page(request, "There is no such page.")
    return errors.refused_page(request, describe(exc))


async def _forbidden(request: Request, exc: Exception) -> Response:
    return errors.forbidden_page(request, str(exc))
