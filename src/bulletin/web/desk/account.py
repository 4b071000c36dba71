"""The signed-in editor's own page: sessions, sign out everywhere, password, second factor."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import Editor, Role
from bulletin.services.context import Context
from bulletin.services.staff import accounts, sessions, totp
from bulletin.web import flash
from bulletin.web.deps import ContextDep, EditorDep, FormDep, desk_session_id, text
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/account")
HOME = "/desk/account"


@router.get("", response_class=HTMLResponse)
def account(request: Request, ctx: ContextDep, editor: EditorDep) -> Response:
    return _page(request, ctx, editor)


@router.post("/sign-out-everywhere", response_class=HTMLResponse)
def sign_out_everywhere(
    request: Request, ctx: ContextDep, editor: EditorDep, form: FormDep
) -> Response:
    ended = accounts.end_other_sessions(ctx, editor, session_id=desk_session_id(request))
    return flash.redirect(request, HOME, f"Signed out of {_sessions(ended)} elsewhere.")


@router.post("/password", response_class=HTMLResponse)
def change_password(
    request: Request, ctx: ContextDep, editor: EditorDep, form: FormDep
) -> Response:
    try:
        ended = accounts.change_own_password(
            ctx,
            editor,
            current=text(form, "current"),
            new=text(form, "password"),
            session_id=desk_session_id(request),
        )
    except InvalidInput as exc:
        return _page(request, ctx, editor, error=str(exc), status_code=422)
    notice = f"Password changed; signed out of {_sessions(ended)} elsewhere."
    return flash.redirect(request, HOME, notice)


@router.post("/totp", response_class=HTMLResponse)
def totp_begin(request: Request, ctx: ContextDep, editor: EditorDep, form: FormDep) -> Response:
    try:
        totp.begin(ctx, editor)
    except InvalidInput as exc:
        return flash.redirect(request, HOME, str(exc), kind="error")
    # Post/redirect/get: the account page shows the key until a code confirms it.
    note = "Add the key to your authenticator app, then type the code it shows."
    return flash.redirect(request, f"{HOME}#totp-enrol", note)


@router.post("/totp/confirm", response_class=HTMLResponse)
def totp_confirm(request: Request, ctx: ContextDep, editor: EditorDep, form: FormDep) -> Response:
    try:
        totp.confirm(ctx, editor, text(form, "code"), session_id=desk_session_id(request))
    except InvalidInput as exc:
        return _page(request, ctx, editor, error=str(exc), status_code=422)
    return flash.redirect(request, HOME, "Second factor on: sign-ins now ask for a code.")


@router.post("/totp/disable", response_class=HTMLResponse)
def totp_disable(request: Request, ctx: ContextDep, editor: EditorDep, form: FormDep) -> Response:
    try:
        totp.disable(ctx, editor, text(form, "password"))
    except InvalidInput as exc:
        return _page(request, ctx, editor, error=str(exc), status_code=422)
    return flash.redirect(request, HOME, "Second factor off.")


def _sessions(count: int) -> str:
    return "1 other session" if count == 1 else f"{count} other sessions"


def _page(
    request: Request,
    ctx: Context,
    editor: Editor,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    enrolment = totp.pending(ctx, editor) if editor.role is Role.ADMIN else None
    response = page(
        request,
        "desk/account.html",
        status_code=status_code,
        sessions=sessions.list_own(ctx, editor),
        this_session=desk_session_id(request),
        may_use_totp=editor.role is Role.ADMIN,
        totp_on=totp.enabled_for(ctx, editor),
        enrolment=enrolment,
        **context,
    )
    if enrolment is not None:  # a key on the page: no cache keeps a copy of it
        response.headers["Cache-Control"] = "no-store"
    return response
