"""A campaign's live progress on the desk (server-sent events) and its pause/resume/cancel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response, StreamingResponse

from bulletin.domain import subject_tests as subject_rules
from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import CampaignStatus, Editor
from bulletin.services.alerts import preview as alert_preview
from bulletin.services.alerts import races
from bulletin.services.alerts import sending as alerts
from bulletin.services.campaigns import clicks as click_reports
from bulletin.services.campaigns import reports
from bulletin.services.campaigns import steering as campaign_service
from bulletin.services.context import Context
from bulletin.services.staff import accounts as editors
from bulletin.web import flash
from bulletin.web.charts import bar_chart
from bulletin.web.deps import ContextDep, EditorDep, FormDep, SenderDep
from bulletin.web.desk import confirm
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/campaigns")

EVENT_EVERY_S = 1.0
RUNNING = (
    CampaignStatus.SENDING,
    CampaignStatus.PAUSED,
    CampaignStatus.DRAFT,
    CampaignStatus.AWAITING_APPROVAL,
)


@router.get("/{campaign_id}", response_class=HTMLResponse)
def campaign(request: Request, campaign_id: RowId, ctx: ContextDep, editor: EditorDep) -> Response:
    return _campaign_page(request, ctx, campaign_id)


def _campaign_page(request: Request, ctx: Context, campaign_id: int) -> Response:
    """Progress and controls, the alert it updates and its updates, who proposed and approved."""
    current = campaign_service.progress(ctx, campaign_id)
    parent, updates = alerts.thread(ctx, current.campaign)
    waiting = current.campaign.status is CampaignStatus.AWAITING_APPROVAL
    editor = getattr(request.state, "editor", None)
    return page(
        request,
        "desk/campaign.html",
        progress=current,
        data=current.as_json(),
        parent=parent,
        updates=updates,
        proposer=_editor(ctx, current.campaign.created_by),
        approver=_editor(ctx, current.campaign.approved_by),
        followable=current.campaign.status in alerts.FOLLOWABLE,
        preview=(
            alert_preview.of_campaign(ctx, current.campaign, to=editor.email)
            if waiting and editor is not None
            else None
        ),
    )


def _editor(ctx: Context, editor_id: int | None) -> Editor | None:
    return editors.get_editor(ctx, editor_id) if editor_id is not None else None


@router.get("/{campaign_id}/report", response_class=HTMLResponse)
def report(request: Request, campaign_id: RowId, ctx: ContextDep, editor: EditorDep) -> Response:
    """Delivered, failed, bounced, complaints, unsubscribes, and sends over time."""
    found = reports.campaign_report(ctx, campaign_id)
    points = [(b.start.strftime("%H:%M"), b.sent) for b in found.buckets]
    counted = click_reports.report_for(ctx, campaign_id, delivered=found.delivered)
    return page(
        request,
        "desk/campaign_report.html",
        report=found,
        chart=bar_chart(points),
        clicks=counted,
        clicks_chart=bar_chart(
            [(b.start.strftime("%H:%M"), b.sent) for b in counted.buckets] if counted else []
        ),
        counting=ctx.settings.click_tracking,
    )


@router.get("/{campaign_id}/progress.json")
def progress_json(campaign_id: RowId, ctx: ContextDep, editor: EditorDep) -> Response:
    return Response(
        json.dumps(campaign_service.progress(ctx, campaign_id).as_json()),
        media_type="application/json",
    )


@router.get("/{campaign_id}/events")
async def events(campaign_id: RowId, ctx: ContextDep, editor: EditorDep) -> Response:
    """Server-sent events: the campaign's counts every second until it is finished."""
    campaign_service.progress(ctx, campaign_id)  # 404 before the stream starts
    return StreamingResponse(
        _progress_events(ctx, campaign_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _progress_events(ctx: Context, campaign_id: int) -> AsyncIterator[str]:
    while True:
        current = await asyncio.to_thread(campaign_service.progress, ctx, campaign_id)
        yield f"event: progress\ndata: {json.dumps(current.as_json())}\n\n"
        # Every message handed over is not the end: the scheduler then marks the
        # campaign sent, and the page should say so, so the stream runs until then.
        if current.campaign.status not in RUNNING:
            yield "event: done\ndata: {}\n\n"
            return
        await asyncio.sleep(EVENT_EVERY_S)


@router.post("/{campaign_id}/subject-test/end", response_class=HTMLResponse)
def end_race(
    request: Request, campaign_id: RowId, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    """End a subject test early (confirmed first): the leader goes to the rest now."""
    back = f"/desk/campaigns/{campaign_id}"
    if not confirm.confirmed(form):
        return confirm.ask(
            request,
            question="End the subject test now?",
            consequence="The subject with the most unique clickers so far (the first subject "
            "on a tie or too few clicks) goes to every reader held for the winner, now. "
            "This cannot be undone.",
            action=f"/desk/campaigns/{campaign_id}/subject-test/end",
            yes="End the test and send the winner",
            back=back,
        )
    try:
        ended = races.end_now(ctx, campaign_id, actor=editor)
    except InvalidInput as exc:
        return flash.redirect(request, back, str(exc), kind="error")
    decision = ended.decision
    assert decision is not None
    return flash.redirect(request, back, subject_rules.describe(decision, ended.test.subjects))


STEERED = {
    "pause": "Paused: nothing more goes out until you resume.",
    "resume": "Resumed: sending again.",
    "cancel": "Cancelled: readers not yet sent it will not get it.",
}


@router.post("/{campaign_id}/{action}", response_class=HTMLResponse)
def steer(
    request: Request,
    campaign_id: RowId,
    action: str,
    ctx: ContextDep,
    editor: EditorDep,
    form: FormDep,
) -> Response:
    actions = {
        "pause": campaign_service.pause,
        "resume": campaign_service.resume,
        "cancel": campaign_service.cancel,
    }
    if action not in actions:
        return page(request, "desk/not_found.html", status_code=404, what="No such action.")
    if action == "cancel" and not confirm.confirmed(form):
        # Named by its subject: a number alone lets the wrong send be stopped on deadline.
        subject = campaign_service.progress(ctx, campaign_id).campaign.subject
        return confirm.ask(
            request,
            question=f"Cancel the rest of “{subject}”?",
            consequence="Readers who have not been sent it yet will never get it; "
            "messages already sent stay sent.",
            action=f"/desk/campaigns/{campaign_id}/cancel",
            yes="Cancel the rest",
            back=f"/desk/campaigns/{campaign_id}",
        )
    back = f"/desk/campaigns/{campaign_id}"
    try:
        actions[action](ctx, campaign_id, actor=editor)
    except InvalidInput as exc:  # no longer applies (sent, cancelled): said on the page
        return flash.redirect(request, back, str(exc), kind="error")
    return flash.redirect(request, back, STEERED[action])
