"""The settings page (admins): the desk-editable settings as a form, and the running setup."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response

from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import Editor
from bulletin.services.context import Context
from bulletin.services.settings import desk
from bulletin.services.settings.fields import EDITABLE
from bulletin.services.settings.relays import masked
from bulletin.services.staff import settings_view
from bulletin.web import flash
from bulletin.web.deps import AdminDep, ContextDep, FormDep, text
from bulletin.web.pages import page

router = APIRouter(prefix="/desk")


@router.get("/settings", response_class=HTMLResponse)
def settings(request: Request, ctx: ContextDep, editor: AdminDep) -> Response:
    return _page(request, ctx, editor)


@router.post("/settings", response_class=HTMLResponse)
def save(request: Request, ctx: ContextDep, editor: AdminDep, form: FormDep) -> Response:
    submitted = {field.name: text(form, field.name) for field in EDITABLE if field.name in form}
    try:
        changed = desk.save(ctx, submitted, actor=editor)
    except InvalidInput as exc:
        return _page(request, ctx, editor, error=str(exc), status_code=422, form=form)
    if not changed:
        return flash.redirect(request, "/desk/settings", "Nothing changed.")
    notice = f"Saved: {', '.join(changed)}. Running workers use it within seconds."
    if any(field.restart and field.label in changed for field in EDITABLE):
        notice += " Running workers move to the new relays within seconds."
    return flash.redirect(request, "/desk/settings", notice)


def _page(
    request: Request,
    ctx: Context,
    editor: Editor,
    *,
    error: str | None = None,
    status_code: int = 200,
    form: FormData | None = None,
) -> Response:
    fields = desk.view(ctx, actor=editor)
    # A refused form is shown as it was sent, but a typed relay password never comes back.
    values = {row.field.name: row.value for row in fields}
    if form is not None:
        for row in fields:
            if row.field.name in form and row.source != "environment":
                sent = text(form, row.field.name)
                values[row.field.name] = masked(sent) if row.field.secret else sent
    return page(
        request,
        "desk/settings.html",
        status_code=status_code,
        fields=fields,
        values=values,
        error=error,
        relays=settings_view.relays(ctx, actor=editor),
        rows=settings_view.settings_rows(ctx, actor=editor),
    )
