"""`/r/…`: a counted link in an email, answered from memory with a redirect to its story.

A plain ASGI app mounted at `/r`, not a FastAPI route: a redirect is a few dictionary
lookups and two HMACs (about 30 µs), and FastAPI's routing over the app's few hundred
routes, its dependency solving and parameter validation cost ten times that
(docs/clicks.md has the profile). It is still inside the app's middleware: request ids,
error pages and security headers apply as to every page. The handler is async on
purpose: a thread per redirect would cost more than the redirect.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from bulletin.domain.errors import DatabaseUnavailable, NotFound, TokenError
from bulletin.services.clicks.tracking import ClickTracking, LinkRequest
from bulletin.web.deps import client_ip
from bulletin.web.pages import page

PREFIX = "/r"
URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
# The story's page is not ours to cache, and the reader's part of the link is theirs.
HEADERS = [
    (b"cache-control", b"no-store"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-length", b"0"),
]


async def redirects(scope: Scope, receive: Receive, send: Send) -> None:
    """`/r/TOKEN/READER` (or `/r/TOKEN`, a link cut short): 302 to the campaign's URL."""
    if scope["type"] != "http":
        return
    request = Request(scope, receive)
    if scope["method"] not in ("GET", "HEAD"):
        answer: Response = PlainTextResponse(
            "Method not allowed", status_code=405, headers={"Allow": "GET, HEAD"}
        )
        await answer(scope, receive, send)
        return
    path = scope["path"]
    root = scope.get("root_path", "")
    rest = path[len(root) :] if root and path.startswith(root) else path
    token, _, reader = rest.lstrip("/").partition("/")
    location = await _follow(request, token, reader or None)
    if isinstance(location, Response):
        await location(scope, receive, send)
        return
    await send(
        {
            "type": "http.response.start",
            "status": 302,
            "headers": [(b"location", _ascii(location).encode()), *HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": b""})


async def _follow(request: Request, token: str, reader: str | None) -> str | Response:
    tracking: ClickTracking = request.app.state.clicks
    try:
        claim = tracking.claim(token)
    except TokenError as exc:
        return _gone(request, str(exc))
    links = tracking.held(claim)
    if links is None:  # the campaign first seen by this process: read once, then held
        try:
            links = await asyncio.to_thread(tracking.links.read, claim.campaign_id)
        except DatabaseUnavailable as exc:
            return _later(request, str(exc))
        tracking.links.keep(claim.campaign_id, links)
    asked = LinkRequest(
        token,
        reader,
        head=request.method == "HEAD",
        user_agent=request.headers.get("user-agent", ""),
        client=client_ip(request),
    )
    try:
        return tracking.follow(asked, claim, links)
    except NotFound as exc:
        return _gone(request, str(exc))


def _ascii(url: str) -> str:
    """A header carries ASCII: a story URL with other characters goes percent-encoded
    (what a browser sends for it anyway); everything already ASCII is left as it is."""
    return url if url.isascii() else quote(url, safe=URL_SAFE)


def _later(request: Request, why: str) -> Response:
    response = page(
        request,
        "reader/try_later.html",
        status_code=503,
        session_csrf=False,
        embedded=False,
        message=why,
        link=True,
    )
    response.headers["Retry-After"] = "60"
    return response


def _gone(request: Request, why: str) -> Response:
    return page(request, "reader/not_found.html", status_code=404, session_csrf=False, what=why)
