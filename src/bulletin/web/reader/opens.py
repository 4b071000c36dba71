"""`/o/…`: the open pixel of a list message (BULLETIN_OPEN_PIXEL), answered from memory.

A plain ASGI app mounted beside `/r`, for the same reason (`web.reader.clicks`): the
image is 43 bytes and the request is counted in memory, written in batches. A token
that is not ours gets a 404; with opens not counted the image is still served, so
messages sent while they were stay whole.
"""

from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from bulletin.domain.errors import TokenError
from bulletin.services.clicks.tracking import ClickTracking, LinkRequest
from bulletin.web.deps import client_ip

PREFIX = "/o"
# A transparent one-pixel GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
HEADERS = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}


async def pixels(scope: Scope, receive: Receive, send: Send) -> None:
    """`/o/TOKEN/READER`: the pixel, the fetch held as an open."""
    if scope["type"] != "http":
        return
    request = Request(scope, receive)
    answer: Response
    if scope["method"] not in ("GET", "HEAD"):
        answer = PlainTextResponse(
            "Method not allowed", status_code=405, headers={"Allow": "GET, HEAD"}
        )
        await answer(scope, receive, send)
        return
    path = scope["path"]
    root = scope.get("root_path", "")
    rest = path[len(root) :] if root and path.startswith(root) else path
    token, _, reader = rest.lstrip("/").partition("/")
    tracking: ClickTracking = request.app.state.clicks
    asked = LinkRequest(
        token,
        reader or None,
        head=request.method == "HEAD",
        user_agent=request.headers.get("user-agent", ""),
        client=client_ip(request),
    )
    try:
        tracking.pixel(asked)
    except TokenError:
        answer = PlainTextResponse("Not found", status_code=404, headers=HEADERS)
    else:
        answer = Response(PIXEL, media_type="image/gif", headers=HEADERS)
    await answer(scope, receive, send)
