"""The admins' page for REST API keys: create (the key is shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.staff import api_keys
from bulletin.web.deps import AdminDep, ContextDep, FormDep, text
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/api-keys")


@router.get("", response_class=HTMLResponse)
def keys(request: Request, ctx: ContextDep, editor: AdminDep) -> Response:
    return _keys_page(request, ctx)


@router.post("", response_class=HTMLResponse)
def create(request: Request, ctx: ContextDep, editor: AdminDep, form: FormDep) -> Response:
    try:
        role = Role(text(form, "role"))
        key, secret = api_keys.create_key(ctx, name=text(form, "name"), role=role, actor=editor)
    except ValueError:
        return _keys_page(request, ctx, error="Choose admin, editor or viewer.", status_code=422)
    except InvalidInput as exc:
        return _keys_page(request, ctx, error=str(exc), status_code=422)
    # The secret is in this one response only; it is never stored or shown again.
    response = _keys_page(request, ctx, new_key=key, secret=secret, status_code=201)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/{key_id}/revoke")
def revoke(key_id: RowId, ctx: ContextDep, editor: AdminDep, form: FormDep) -> Response:
    api_keys.revoke_key(ctx, key_id, actor=editor)
    return RedirectResponse("/desk/api-keys", status_code=303)


def _keys_page(
    request: Request,
    ctx: Context,
    *,
    new_key: object = None,
    secret: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "desk/api_keys.html",
        status_code=status_code,
        keys=api_keys.list_keys(ctx),
        roles=list(Role),
        new_key=new_key,
        secret=secret,
        error=error,
    )
