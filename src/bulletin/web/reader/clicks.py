"""`/r/…`: a counted link in an email, answered from memory with a redirect to its story."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from starlette.responses import Response

from bulletin.domain.errors import NotFound, TokenError
from bulletin.services.clicks.tracking import ClickTracking
from bulletin.services.clicks.tracking import Request as ClickRequest
from bulletin.web.deps import client_ip
from bulletin.web.pages import page

router = APIRouter()
# The story's page is not ours to cache, and the reader's part of the link is theirs.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@router.api_route("/r/{token}/{reader}", methods=["GET", "HEAD"], include_in_schema=False)
async def follow(request: Request, token: str, reader: str) -> Response:
    """Async on purpose: the redirect is a few dictionary lookups, not worth a thread."""
    return await _follow(request, token, reader)


@router.api_route("/r/{token}", methods=["GET", "HEAD"], include_in_schema=False)
async def follow_unsigned(request: Request, token: str) -> Response:
    """A link cut short of its reader's part still goes to its story (uncounted)."""
    return await _follow(request, token, None)


async def _follow(request: Request, token: str, reader: str | None) -> Response:
    tracking: ClickTracking = request.app.state.clicks
    try:
        claim = tracking.claim(token)
    except TokenError as exc:
        return _gone(request, str(exc))
    links = tracking.held(claim)
    if links is None:  # the campaign first seen by this process: read once, then held
        links = await asyncio.to_thread(tracking.links.read, claim.campaign_id)
        tracking.links.keep(claim.campaign_id, links)
    asked = ClickRequest(
        token,
        reader,
        head=request.method == "HEAD",
        user_agent=request.headers.get("user-agent", ""),
        client=client_ip(request),
    )
    try:
        url = tracking.follow(asked, claim, links)
    except NotFound as exc:
        return _gone(request, str(exc))
    return Response(status_code=302, headers={"Location": url, **HEADERS})


def _gone(request: Request, why: str) -> Response:
    return page(
        request,
        "reader/not_found.html",
        status_code=404,
        session_csrf=False,
        what=why,
    )
