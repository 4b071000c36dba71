"""The admins' page for REST API keys: create (the key is shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import Role
from bulletin.services import sealing
from bulletin.services.context import Context
from bulletin.services.staff import api_keys
from bulletin.web import flash
from bulletin.web.deps import AdminDep, ContextDep, FormDep, text
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/api-keys")
NEW_KEY = "new_api_key"
SEALED_FOR = b"bulletin api key shown once v1"
SHOWN_WITHIN_S = 300  # the redirect follows at once; a stale cookie shows nothing


@router.get("", response_class=HTMLResponse)
def keys(request: Request, ctx: ContextDep, editor: AdminDep) -> Response:
    made = request.session.pop(NEW_KEY, None)
    if not made:
        return _keys_page(request, ctx)
    key = next((k for k in api_keys.list_keys(ctx) if k.id == made[0]), None)
    secret = _opened(ctx, str(made[1])) if key else None
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
    # The secret rides in the session, sealed (the session cookie is signed, not
    # encrypted), to the one page that shows it, which takes it out: a reload then shows
    # it no more and makes no second key. It is never stored.
    sealed = sealing.seal(ctx.settings.secret_key, SEALED_FOR, secret, now=ctx.clock())
    request.session[NEW_KEY] = [key.id, sealed]
    return flash.redirect(request, "/desk/api-keys", f"Key “{key.name}” created.")


@router.post("/{key_id}/revoke")
def revoke(
    request: Request, key_id: RowId, ctx: ContextDep, editor: AdminDep, form: FormDep
) -> Response:
    api_keys.revoke_key(ctx, key_id, actor=editor)
    return flash.redirect(request, "/desk/api-keys", "Key revoked: it opens nothing from now on.")


def _opened(ctx: Context, sealed: str) -> str | None:
    try:
        return sealing.open_sealed(
            ctx.settings.secret_key, SEALED_FOR, sealed, max_age_s=SHOWN_WITHIN_S, now=ctx.clock()
        )
    except sealing.InvalidToken:
        return None


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
