"""Signing in and out of the desk: thin handlers over services/staff/sign_in.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bulletin.domain.errors import AuthenticationFailed, SignInThrottled
from bulletin.services.context import Context
from bulletin.services.staff import sessions
from bulletin.services.staff import sign_in as signing
from bulletin.web.deps import DESK_COOKIE, ContextDep, FormDep, client_of, text
from bulletin.web.desk.next_page import HOME, safe_next
from bulletin.web.pages import page

router = APIRouter(prefix="/desk")

PENDING = "code_pending"  # in the signed session: whose password was right, and when
PENDING_FOR = timedelta(minutes=5)
NEXT = "next_page"  # in the signed session between the password and the code


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "") -> Response:
    return page(request, "desk/login.html", email="", next_page=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, ctx: ContextDep, form: FormDep) -> Response:
    email, next_page = text(form, "email"), safe_next(text(form, "next"))
    try:
        outcome = signing.sign_in(
            ctx, email=email, password=text(form, "password"), client=client_of(request)
        )
    except AuthenticationFailed as exc:
        return _refused(request, "desk/login.html", exc, email=email, next_page=next_page)
    request.session.clear()  # a fresh session (and CSRF token) for the signed-in user
    if isinstance(outcome, signing.CodeNeeded):
        request.session[PENDING] = [outcome.editor_id, ctx.clock().isoformat()]
        request.session[NEXT] = next_page
        return RedirectResponse("/desk/login/code", status_code=303)
    return _signed_in(request, ctx, outcome, next_page=next_page)


@router.get("/login/code", response_class=HTMLResponse)
def code_form(request: Request, ctx: ContextDep) -> Response:
    if _pending(request, ctx) is None:
        return RedirectResponse("/desk/login", status_code=303)
    return page(request, "desk/login_code.html")


@router.post("/login/code", response_class=HTMLResponse)
def code(request: Request, ctx: ContextDep, form: FormDep) -> Response:
    editor_id = _pending(request, ctx)
    if editor_id is None:
        return RedirectResponse("/desk/login", status_code=303)
    try:
        outcome = signing.second_step(
            ctx, editor_id=editor_id, code=text(form, "code"), client=client_of(request)
        )
    except AuthenticationFailed as exc:
        return _refused(request, "desk/login_code.html", exc)
    next_page = safe_next(request.session.get(NEXT))
    request.session.clear()
    return _signed_in(request, ctx, outcome, next_page=next_page)


@router.post("/logout")
def logout(request: Request, ctx: ContextDep, form: FormDep) -> Response:
    token = request.cookies.get(DESK_COOKIE)
    if token:
        found = sessions.resolve(ctx, token)
        editor = found.editor if found else None
        signing.sign_out(ctx, token=token, editor=editor, client=client_of(request))
    request.session.clear()
    response = RedirectResponse("/desk/login", status_code=303)
    response.delete_cookie(DESK_COOKIE, path="/desk")
    return response


def _signed_in(
    request: Request, ctx: Context, outcome: signing.SignedIn, *, next_page: str = HOME
) -> Response:
    response = RedirectResponse(next_page, status_code=303)
    response.set_cookie(
        DESK_COOKIE,
        outcome.token,
        max_age=ctx.settings.session_max_age_s,
        path="/desk",
        secure=ctx.settings.base_url.startswith("https://"),
        httponly=True,
        samesite="lax",
    )
    return response


def _refused(
    request: Request, template: str, exc: AuthenticationFailed, **context: Any
) -> Response:
    if isinstance(exc, SignInThrottled):
        response = page(request, template, status_code=429, error=str(exc), **context)
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    return page(request, template, status_code=401, error=str(exc), **context)


def _pending(request: Request, ctx: Context) -> int | None:
    """The editor whose password was right a moment ago and who owes a code."""
    value = request.session.get(PENDING)
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)):
        return None
    try:
        since = datetime.fromisoformat(str(value[1]))
    except ValueError:
        return None
    if ctx.clock() - since > PENDING_FOR:
        request.session.pop(PENDING, None)
        return None
    return value[0]
