"""The admins' page of desk accounts: create, role, disable, password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import Editor, Role
from bulletin.services.context import Context
from bulletin.services.staff import admin as staff
from bulletin.web import flash
from bulletin.web.deps import AdminDep, ContextDep, FormDep, text
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk")


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, ctx: ContextDep, editor: AdminDep) -> Response:
    return _users_page(request, ctx, editor)


@router.post("/users", response_class=HTMLResponse)
def create(request: Request, ctx: ContextDep, editor: AdminDep, form: FormDep) -> Response:
    try:
        created = staff.create(
            ctx,
            email=text(form, "email"),
            name=text(form, "name"),
            password=text(form, "password"),
            role=_role(text(form, "role")),
            actor=editor,
        )
    except InvalidInput as exc:
        return _users_page(request, ctx, editor, error=str(exc), status_code=422, form=form)
    notice = f"Account created for {created.email} ({created.role.value})."
    return flash.redirect(request, f"/desk/users#user-{created.id}", notice)


@router.post("/users/{editor_id}/{action}", response_class=HTMLResponse)
def change(
    request: Request,
    editor_id: RowId,
    action: str,
    ctx: ContextDep,
    editor: AdminDep,
    form: FormDep,
) -> Response:
    if action not in CHANGED:
        return page(request, "desk/not_found.html", status_code=404, what="No such action.")
    back = f"/desk/users#user-{editor_id}"
    try:
        if action == "role":
            role = _role(text(form, "role"))
            staff.change_role(ctx, editor_id, role, actor=editor)
        elif action in ("disable", "enable"):
            staff.set_active(ctx, editor_id, action == "enable", actor=editor)
        else:
            staff.reset_password(ctx, editor_id, text(form, "password"), actor=editor)
    except InvalidInput as exc:
        return flash.redirect(request, back, str(exc), kind="error")
    done = CHANGED[action] + (f" {role.value}." if action == "role" else "")
    return flash.redirect(request, back, done)


CHANGED = {
    "role": "Role set to",
    "disable": "Account disabled: its sessions have ended.",
    "enable": "Account enabled.",
    "password": "Password reset: the account's sessions have ended.",
}


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput("Choose admin, editor or viewer.") from None


def _users_page(
    request: Request,
    ctx: Context,
    editor: Editor,
    *,
    error: str | None = None,
    status_code: int = 200,
    form: object = None,
) -> Response:
    return page(
        request,
        "desk/users.html",
        status_code=status_code,
        staff=staff.list_staff(ctx, actor=editor),
        roles=list(Role),
        error=error,
        form=form or {},
    )
