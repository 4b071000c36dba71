"""The audit log page: every state change staff, the operator or API keys made."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from bulletin.services.campaigns import dashboard as desk
from bulletin.web.deps import ContextDep, EditorDep
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/audit")


@router.get("", response_class=HTMLResponse)
def audit_log(
    request: Request, ctx: ContextDep, editor: EditorDep, before: RowId | None = None
) -> Response:
    entries = desk.audit_entries(ctx, before=before)
    more = entries[-1]["id"] if len(entries) == desk.AUDIT_PAGE else None
    return page(request, "desk/audit.html", entries=entries, more=more)
