"""Error pages: people get a page in the look of where they were; the API gets JSON.

An address nobody serves answers 404 in the reader look, the desk look under `/desk`,
and `{"detail": ...}` under `/api`; a refusal (422) or a forbidden action (403) the
same. A failure of ours answers 500 the same three ways, with the request's id for the
operator and never a stack trace; the exception goes to the log with that id
(`ServerErrors` sits inside `RequestIds`, so the id is still set).
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bulletin.logs import request_id
from bulletin.services.context import Context
from bulletin.services.staff import sessions
from bulletin.web.deps import DESK_COOKIE
from bulletin.web.pages import page

log = logging.getLogger("bulletin.web")

API = "/api/"
DESK = "/desk"
SERVER_ERROR = "Something went wrong on our side. Nothing was changed by it; please try again."
MISSING = {
    404: "There is no page at this address.",
    405: "This address does not take that kind of request.",
}


def for_desk(path: str) -> bool:
    return path == DESK or path.startswith(DESK + "/")


def for_api(path: str) -> bool:
    return path.startswith(API) or path == API.rstrip("/")


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no route, wrong method): a page, or JSON for the API."""
    assert isinstance(exc, HTTPException)
    what = MISSING.get(exc.status_code, str(exc.detail))
    headers = dict(exc.headers or {})
    if for_api(request.url.path):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
    response = not_found_page(request, what, status_code=exc.status_code)
    response.headers.update(headers)
    return response


def not_found_page(request: Request, what: str, *, status_code: int = 404) -> Response:
    """The not-found page in the look of where the address was: the desk's or the readers'."""
    if for_desk(request.url.path):
        _know_the_editor(request)
        return page(request, "desk/not_found.html", status_code=status_code, what=what)
    return page(request, "reader/not_found.html", status_code=status_code, what=what)


def refused_page(request: Request, message: str, *, status_code: int = 422) -> Response:
    """Input a page did not handle itself, in the look of where it was sent."""
    return _in_its_look(request, "refused.html", message, status_code=status_code)


def forbidden_page(request: Request, message: str) -> Response:
    """An action this person may not take (403), in the look of where it was asked."""
    return _in_its_look(request, "forbidden.html", message, status_code=403)


def _in_its_look(request: Request, name: str, message: str, *, status_code: int) -> Response:
    # A reader who sent a damaged form must not land in the desk's look, nor be told
    # to ask an admin: the reader pages have their own.
    look = "desk" if for_desk(request.url.path) else "reader"
    if look == "desk":
        _know_the_editor(request)
    return page(request, f"{look}/{name}", status_code=status_code, message=message)


def _know_the_editor(request: Request) -> None:
    """A signed-in editor keeps the desk's menu on a page no route served."""
    if getattr(request.state, "editor", None) is not None:
        return
    token = request.cookies.get(DESK_COOKIE)
    ctx: Context = request.app.state.context
    found = sessions.resolve(ctx, token) if token else None
    request.state.editor = found.editor if found else None


async def api_server_error(request: Request, exc: Exception) -> Response:
    """The API's answer to a failure of ours (the error is logged by `ServerErrors`)."""
    return JSONResponse({"detail": _with_id(SERVER_ERROR)}, status_code=500)


def _with_id(text: str) -> str:
    current = request_id.get()
    return f"{text} (Request {current}.)" if current else text


class ServerErrors:
    """Logs any exception a request raised, with its id, and answers a 500 page for it.

    Plain ASGI inside `RequestIds`. When the answer had already started (a streamed
    page, or the API's own 500), it cannot be replaced: the failure is only logged.
    """

    def __init__(self, app: ASGIApp, *, templates: Jinja2Templates, newsroom: str) -> None:
        self.app = app
        self.templates = templates
        self.newsroom = newsroom

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            # The id in the text too: the text log format has no field for it.
            log.exception(
                "Unhandled error answering %s %s (request %s)",
                scope["method"],
                scope["path"],
                request_id.get(),
            )
            if not started:
                await self._page(scope)(scope, receive, send)

    def _page(self, scope: Scope) -> Response:
        path = scope["path"]
        if for_api(path):
            return JSONResponse({"detail": _with_id(SERVER_ERROR)}, status_code=500)
        # Rendered without the session or the signed-in editor: either may be what failed.
        name = "desk/server_error.html" if for_desk(path) else "reader/server_error.html"
        html = self.templates.get_template(name).render(
            newsroom=self.newsroom,
            message=SERVER_ERROR,
            request_id=request_id.get(),
            editor=None,
            flashes=[],
            error=None,
            request=Request(scope),
        )
        return HTMLResponse(html, status_code=500, headers={"Cache-Control": "no-store"})
