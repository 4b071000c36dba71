"""The admins' pages for outbound webhooks: endpoints, their events, a test event, the log."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response

from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import Editor
from bulletin.domain.webhooks import SUBSCRIBABLE
from bulletin.services.context import Context
from bulletin.services.webhooks import endpoints
from bulletin.web import flash
from bulletin.web.deps import AdminDep, ContextDep, FormDep, text, texts
from bulletin.web.desk import confirm, shown_once
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/webhooks")
NEW_SECRET = "new_webhook_secret"


@router.get("", response_class=HTMLResponse)
def listing(request: Request, ctx: ContextDep, editor: AdminDep) -> Response:
    return _list_page(request, ctx, editor)


@router.post("", response_class=HTMLResponse)
def create(request: Request, ctx: ContextDep, editor: AdminDep, form: FormDep) -> Response:
    try:
        endpoint, secret = endpoints.add(
            ctx,
            url=text(form, "url"),
            description=text(form, "description"),
            event_types=texts(form, "events"),
            actor=editor,
        )
    except InvalidInput as exc:  # the form comes back as typed, with the reason
        return _list_page(request, ctx, editor, error=str(exc), status_code=422, typed=form)
    # Shown once, as API keys are (a reload shows it no more; admins can reveal it again).
    shown_once.carry(request, ctx, NEW_SECRET, endpoint.id, secret)
    return flash.redirect(request, f"/desk/webhooks/{endpoint.id}", "Endpoint added.")


@router.get("/{endpoint_id}", response_class=HTMLResponse)
def endpoint_page(
    request: Request, endpoint_id: RowId, ctx: ContextDep, editor: AdminDep
) -> Response:
    made = shown_once.take(request, ctx, NEW_SECRET)
    secret = made[1] if made and made[0] == endpoint_id else None
    return _endpoint_page(request, ctx, editor, endpoint_id, secret=secret)


@router.post("/{endpoint_id}/secret", response_class=HTMLResponse)
def reveal(
    request: Request, endpoint_id: RowId, ctx: ContextDep, editor: AdminDep, form: FormDep
) -> Response:
    secret = endpoints.reveal_secret(ctx, endpoint_id, actor=editor)
    # Post/redirect/get, as when it was made: a reload neither posts nor shows it again.
    shown_once.carry(request, ctx, NEW_SECRET, endpoint_id, secret)
    return flash.redirect(request, f"/desk/webhooks/{endpoint_id}", "Secret revealed.")


@router.post("/{endpoint_id}/events")
def events(
    request: Request, endpoint_id: RowId, ctx: ContextDep, editor: AdminDep, form: FormDep
) -> Response:
    back = f"/desk/webhooks/{endpoint_id}"
    try:
        endpoints.set_event_types(ctx, endpoint_id, texts(form, "events"), actor=editor)
    except InvalidInput as exc:
        return flash.redirect(request, back, str(exc), kind="error")
    return flash.redirect(request, back, "Event types saved.")


@router.post("/{endpoint_id}/enabled")
def enabled(
    request: Request, endpoint_id: RowId, ctx: ContextDep, editor: AdminDep, form: FormDep
) -> Response:
    on = text(form, "enabled") == "on"
    endpoints.set_enabled(ctx, endpoint_id, on, actor=editor)
    done = "Enabled: events go to it again." if on else "Disabled: no new events go to it."
    return flash.redirect(request, f"/desk/webhooks/{endpoint_id}", done)


@router.post("/{endpoint_id}/test")
def send_test(
    request: Request, endpoint_id: RowId, ctx: ContextDep, editor: AdminDep, form: FormDep
) -> Response:
    event_id = endpoints.send_test(ctx, endpoint_id, actor=editor)
    return flash.redirect(
        request,
        f"/desk/webhooks/{endpoint_id}",
        f"Test event {event_id} queued: the log below shows what the endpoint answers.",
    )


@router.post("/{endpoint_id}/delete")
def delete(
    request: Request, endpoint_id: RowId, ctx: ContextDep, editor: AdminDep, form: FormDep
) -> Response:
    if not confirm.confirmed(form):
        url = endpoints.get(ctx, endpoint_id, viewer=editor).url
        return confirm.ask(
            request,
            question=f"Delete the endpoint {url}?",
            consequence="It gets no more events; those waiting for it and its delivery log "
            "are deleted with it.",
            action=f"/desk/webhooks/{endpoint_id}/delete",
            yes="Delete this endpoint",
            back=f"/desk/webhooks/{endpoint_id}",
        )
    endpoints.delete(ctx, endpoint_id, actor=editor)
    return flash.redirect(request, "/desk/webhooks", "Endpoint deleted, with its log.")


def _list_page(
    request: Request,
    ctx: Context,
    editor: Editor,
    *,
    error: str | None = None,
    status_code: int = 200,
    typed: FormData | None = None,
) -> Response:
    return page(
        request,
        "desk/webhooks.html",
        status_code=status_code,
        endpoints=endpoints.list_endpoints(ctx, viewer=editor),
        event_types=SUBSCRIBABLE,
        error=error,
        typed=typed,
    )


def _endpoint_page(
    request: Request, ctx: Context, editor: Editor, endpoint_id: int, *, secret: str | None
) -> Response:
    response = page(
        request,
        "desk/webhook.html",
        endpoint=endpoints.get(ctx, endpoint_id, viewer=editor),
        log=endpoints.log(ctx, endpoint_id, viewer=editor),
        event_types=SUBSCRIBABLE,
        secret=secret,
    )
    if secret:
        response.headers["Cache-Control"] = "no-store"
    return response
