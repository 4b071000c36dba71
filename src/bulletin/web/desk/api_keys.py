"""The admins' page for REST API keys: create (the key is shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.staff import api_keys
from bulletin.web import flash
from bulletin.web.deps import AdminDep, ContextDep, FormDep, text
from bulletin.web.desk import shown_once
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/api-keys")
NEW_KEY = "new_api_key"


@router.get("", response_class=HTMLResponse)
def keys(request: Request, ctx: ContextDep, editor: AdminDep) -> Response:
    made = shown_once.take(request, ctx, NEW_KEY)
    if not made:
        return _keys_page(request, ctx)
    key = next((k for k in api_keys.list_keys(ctx) if k.id == made[0]), None)
    secret = made[1] if key else None
    response = _keys_page(request, ctx, new_key=key if secret else None, secret=secret)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("", response_class=HTMLResponse)
def create(request: Request, ctx: ContextDep, editor: AdminDep, form: FormDep) -> Response:
    try:
        role = Role(text(form, "role"))
        key, secret = api_keys.create_key(ctx, name=text(form, "name"), role=role, actor=editor)
    except ValueError:
        return _keys_page(request, ctx, error="Choose admin, editor or viewer.", status_code=422)
    except InvalidInput as exc:
        return _keys_page(request, ctx, error=str(exc), status_code=422)
    shown_once.carry(request, ctx, NEW_KEY, key.id, secret)  # it is never stored
    return flash.redirect(request, "/desk/api-keys", f"Key “{key.name}” created.")


@router.post("/{key_id}/revoke")
def revoke(
    request: Request, key_id: RowId, ctx: ContextDep, editor: AdminDep, form: FormDep
) -> Response:
    api_keys.revoke_key(ctx, key_id, actor=editor)
    return flash.redirect(request, "/desk/api-keys", "Key revoked: it opens nothing from now on.")


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
