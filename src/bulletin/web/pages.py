"""Rendering a page with what every page needs (the CSRF token, the newsroom name)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from bulletin.web import csrf, flash


def page(
    request: Request,
    name: str,
    *,
    status_code: int = 200,
    session_csrf: bool = True,
    **context: Any,
) -> HTMLResponse:
    """Render `name`; `session_csrf=False` for framed pages, which must not touch the session."""
    templates = request.app.state.templates
    ctx = request.app.state.context
    context.setdefault("error", None)
    return templates.TemplateResponse(
        request,
        name,
        {
            "csrf_token": csrf.token_for(request) if session_csrf else "",
            "newsroom": ctx.settings.newsroom_name,
            # What the privacy notes on reader pages say about counted links.
            "click_tracking": ctx.settings.click_tracking,
            "open_pixel": ctx.settings.open_pixel and ctx.settings.click_tracking != "off",
            "editor": getattr(request.state, "editor", None),
            "flashes": flash.take(request) if session_csrf else [],
            **context,
        },
        status_code=status_code,
    )
