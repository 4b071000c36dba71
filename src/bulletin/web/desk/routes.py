"""Desk pages for signed-in staff: thin handlers over the services."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bulletin.domain.errors import AuthenticationFailed, InvalidInput, PermissionDenied
from bulletin.domain.models import AlertDraft
from bulletin.services import alerts, briefing, desk, editors, proposals
from bulletin.web.deps import ContextDep, EditorDep, FormDep, SenderDep, text
from bulletin.web.pages import page

router = APIRouter(prefix="/desk")

# The HTML of a caught message is shown in a sandboxed frame: no scripts, no forms,
# no navigation of the desk, whatever the message contains.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline'"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return page(request, "desk/login.html", email="")


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, ctx: ContextDep, form: FormDep) -> Response:
    email = text(form, "email")
    try:
        editor = editors.authenticate(ctx, email=email, password=text(form, "password"))
    except AuthenticationFailed as exc:
        return page(request, "desk/login.html", status_code=401, email=email, error=str(exc))
    request.session.clear()  # a fresh session (and CSRF token) for the signed-in user
    request.session["editor_id"] = editor.id
    return RedirectResponse("/desk", status_code=303)


@router.post("/logout")
def logout(request: Request, form: FormDep) -> Response:
    request.session.clear()
    return RedirectResponse("/desk/login", status_code=303)


@router.get("", response_class=HTMLResponse)
def dashboard(
    request: Request, ctx: ContextDep, editor: EditorDep, proposal: int | None = None
) -> Response:
    """The desk; `?proposal=ID` fills the alert form from a wire proposal (nothing is sent)."""
    draft = proposals.draft_for(ctx, proposal) if proposal is not None else None
    return _dashboard(request, ctx, draft=draft or AlertDraft("", "", ""))


@router.post("/alerts", response_class=HTMLResponse)
def fire_alert(request: Request, ctx: ContextDep, editor: SenderDep, form: FormDep) -> Response:
    draft = AlertDraft(
        headline=text(form, "headline"),
        summary=text(form, "summary"),
        url=text(form, "url"),
        subject=text(form, "subject") or None,
    )
    try:
        fired = alerts.fire_alert(ctx, draft, actor=editor)
    except PermissionDenied as exc:
        return _dashboard(request, ctx, draft=draft, error=str(exc), status_code=403)
    except InvalidInput as exc:
        return _dashboard(request, ctx, draft=draft, error=str(exc), status_code=422)
    return page(request, "desk/alert_sent.html", fired=fired, draft=draft)


@router.get("/catcher", response_class=HTMLResponse)
def catcher(request: Request, ctx: ContextDep, editor: EditorDep) -> Response:
    return page(
        request,
        "desk/catcher.html",
        messages=desk.caught_mail(ctx),
        uses_catcher=ctx.settings.uses_catcher,
    )


@router.get("/catcher/{key}", response_class=HTMLResponse)
def caught(request: Request, key: str, ctx: ContextDep, editor: EditorDep) -> Response:
    message = desk.caught_message(ctx, key)
    if message is None:
        return page(request, "desk/not_found.html", status_code=404, what="message")
    return page(request, "desk/caught.html", message=message)


@router.get("/catcher/{key}/html")
def caught_html(key: str, ctx: ContextDep, editor: EditorDep) -> Response:
    message = desk.caught_message(ctx, key)
    if message is None:
        return HTMLResponse("Not found", status_code=404)
    return HTMLResponse(message.html, headers={"Content-Security-Policy": SANDBOX_CSP})


def _dashboard(
    request: Request,
    ctx,
    *,
    draft: AlertDraft,
    error: str | None = None,
    status_code: int = 200,  # type: ignore[no-untyped-def]
) -> Response:
    return page(
        request,
        "desk/dashboard.html",
        status_code=status_code,
        lists=desk.list_summaries(ctx),
        campaigns=desk.recent_campaigns(ctx),
        proposals=proposals.proposal_views(ctx),
        next_briefing=briefing.next_edition(ctx),
        draft=draft,
        error=error,
    )
