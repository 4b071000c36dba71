"""Desk pages for signed-in staff: thin handlers over the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, Response

from bulletin.domain.errors import PermissionDenied
from bulletin.domain.models import Editor
from bulletin.services import test_send_jobs
from bulletin.services.alerts import proposals
from bulletin.services.briefing import editions as briefing
from bulletin.services.campaigns import clicks as click_reports
from bulletin.services.campaigns import dashboard as desk
from bulletin.web.deps import ContextDep, EditorDep
from bulletin.web.pages import page

router = APIRouter(prefix="/desk")

# The HTML of a caught message is shown in a sandboxed frame: no scripts, no forms,
# no navigation of the desk, whatever the message contains.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline'"


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, ctx: ContextDep, editor: EditorDep) -> Response:
    return page(
        request,
        "desk/dashboard.html",
        lists=desk.list_summaries(ctx),
        campaigns=desk.recent_campaigns(ctx),
        complaints=desk.complaint_rate_last_day(ctx),
        sender_problems=desk.sender_problems(ctx),
        proposals=proposals.proposal_views(ctx),
        next_briefing=briefing.next_edition(ctx),
        # An editor who left a test's page finds it again here (its page is theirs only).
        tests=test_send_jobs.recent(ctx, viewer=editor)[:5],
        alert_clicks=(
            click_reports.last_alerts(ctx) if ctx.settings.click_tracking != "off" else None
        ),
    )


def mail_reader(editor: EditorDep) -> Editor:
    """Editors and admins: caught mail holds readers' confirm and unsubscribe links."""
    if not editor.role.can_send:
        raise PermissionDenied(
            "The mail catcher holds readers' own confirm and unsubscribe links:"
            " only editors and admins may open it."
        )
    return editor


MailReaderDep = Annotated[Editor, Depends(mail_reader)]


@router.get("/catcher", response_class=HTMLResponse)
def catcher(request: Request, ctx: ContextDep, editor: MailReaderDep) -> Response:
    return page(
        request,
        "desk/catcher.html",
        messages=desk.caught_mail(ctx),
        uses_catcher=ctx.settings.uses_catcher,
    )


@router.get("/catcher/{key}", response_class=HTMLResponse)
def caught(request: Request, key: str, ctx: ContextDep, editor: MailReaderDep) -> Response:
    message = desk.caught_message(ctx, key)
    if message is None:
        return page(
            request,
            "desk/not_found.html",
            status_code=404,
            what="There is no such message in the catcher.",
        )
    return page(request, "desk/caught.html", message=message)


@router.get("/catcher/{key}/html")
def caught_html(key: str, ctx: ContextDep, editor: MailReaderDep) -> Response:
    message = desk.caught_message(ctx, key)
    if message is None:
        return HTMLResponse("Not found", status_code=404)
    return HTMLResponse(message.html, headers={"Content-Security-Policy": SANDBOX_CSP})
