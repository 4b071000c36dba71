"""The desk's page for a test send: queued, sending, then each address's reply."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from bulletin.services import test_send_jobs
from bulletin.web.deps import ContextDep, EditorDep
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/test-sends")
REFRESH_S = 2  # while a worker has the job, the page looks again this often


@router.get("/{job_id}", response_class=HTMLResponse)
def test_send(request: Request, job_id: RowId, ctx: ContextDep, editor: EditorDep) -> Response:
    job = test_send_jobs.job(ctx, job_id, viewer=editor)
    return page(
        request,
        "desk/test_send.html",
        job=job,
        refresh_s=None if job.finished else REFRESH_S,
        started=_shown(job.started_at, ctx.settings.time_zone),
        finished=_shown(job.finished_at, ctx.settings.time_zone),
    )


def _shown(moment: datetime | None, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M:%S %Z}" if moment else "—"
