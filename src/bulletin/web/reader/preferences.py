"""The preference centre pages, reached from the signed link in every email."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bulletin.domain.errors import InvalidInput, TokenError
from bulletin.domain.topics import TOPICS, time_zones
from bulletin.services.readers import preferences
from bulletin.web.deps import ContextDep, FormDep, requester, text, texts
from bulletin.web.pages import page

router = APIRouter(prefix="/preferences")

METHOD = "preference_centre"


@router.get("/{token}", response_class=HTMLResponse)
def preference_centre(request: Request, token: str, ctx: ContextDep, saved: int = 0) -> Response:
    try:
        current = preferences.load(ctx, token)
    except TokenError as exc:
        return _link_error(request, exc)
    return _page(request, token, current, saved=bool(saved))


@router.post("/{token}", response_class=HTMLResponse)
def save(request: Request, token: str, ctx: ContextDep, form: FormDep) -> Response:
    change = preferences.PreferenceChange(
        lists=texts(form, "lists"),
        topics=texts(form, "topics"),
        time_zone=text(form, "time_zone"),
        briefing_time=text(form, "briefing_time"),
    )
    try:
        preferences.update(ctx, token, change, requester=requester(request, METHOD))
    except TokenError as exc:
        return _link_error(request, exc)
    except InvalidInput as exc:
        current = preferences.load(ctx, token)
        return _page(request, token, current, error=str(exc), status_code=422)
    # Back to this reader's own page (the token was just verified): no open redirect.
    return RedirectResponse(f"/preferences/{token}?saved=1", status_code=303)


@router.post("/{token}/leave", response_class=HTMLResponse)
def leave_all(request: Request, token: str, ctx: ContextDep, form: FormDep) -> Response:
    try:
        current = preferences.leave_all(ctx, token, requester=requester(request, METHOD))
    except TokenError as exc:
        return _link_error(request, exc)
    return page(request, "reader/left_all.html", email=current.email)


def _page(
    request: Request,
    token: str,
    current: preferences.Preferences,
    *,
    saved: bool = False,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "reader/preferences.html",
        status_code=status_code,
        token=token,
        prefs=current,
        topics=TOPICS,
        zones=time_zones(),
        saved=saved,
        error=error,
    )


def _link_error(request: Request, exc: TokenError) -> Response:
    return page(request, "reader/link_error.html", status_code=400, message=str(exc))
