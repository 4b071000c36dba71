"""The desk's page for a test send: queued, sending, then each address's reply."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from bulletin.domain.models import Editor
from bulletin.services import test_send_jobs
from bulletin.services.context import Context
from bulletin.web import flash
from bulletin.web.deps import ContextDep, EditorDep
from bulletin.web.desk import proof_notes
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/test-sends")
REFRESH_S = 2  # while a worker has the job, the page looks again this often
POSTED_BACK = {"/desk/alerts/edit"}  # pages that take what they show by post, not in the address


@router.get("/{job_id}", response_class=HTMLResponse)
def test_send(request: Request, job_id: RowId, ctx: ContextDep, editor: EditorDep) -> Response:
    job = test_send_jobs.job(ctx, job_id, viewer=editor)
    back, back_fields = _back(job.back_path)
    # Said as the inline test said it; red (outcome_kind "error") when an address refused.
    outcome, outcome_kind = proof_notes.of_job(job) if job.finished else ("", "ok")
    return page(
        request,
        "desk/test_send.html",
        job=job,
        back=back,
        back_fields=back_fields,
        outcome=outcome,
        outcome_kind=outcome_kind,
        queued=_shown(job.created_at, ctx.settings.time_zone),
        refresh_s=None if job.finished else REFRESH_S,
        started=_shown(job.started_at, ctx.settings.time_zone),
        finished=_shown(job.finished_at, ctx.settings.time_zone),
    )


def _shown(moment: datetime | None, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M:%S %Z}" if moment else "—"


def opened(request: Request, ctx: Context, editor: Editor, job_id: int) -> Response:
    """After a test send is queued: its page, saying who it goes to (post/redirect/get)."""
    job = test_send_jobs.job(ctx, job_id, viewer=editor)
    return flash.redirect(request, f"/desk/test-sends/{job_id}", proof_notes.queued(job))


def _back(path: str) -> tuple[str, list[tuple[str, str]]]:
    """Where "Back" leads: a link, or a form whose fields (an alert's draft) are posted.

    A draft kept in an address would stay in browser history and access logs.
    """
    parts = urlsplit(path)
    if parts.path not in POSTED_BACK:
        return path, []
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)
