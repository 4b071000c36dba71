"""/api/v1/special-reports: write, schedule (newsroom time), cancel, and read a special report."""

from __future__ import annotations

from fastapi import APIRouter

from bulletin.services.special_reports import scheduling as special_reports
from bulletin.web.api.auth import KeyDep, SenderKeyDep, as_editor
from bulletin.web.api.special_schemas import ScheduleIn, SpecialReportCreate, SpecialReportPublic
from bulletin.web.deps import ContextDep
from bulletin.web.ids import RowId

router = APIRouter(prefix="/special-reports", tags=["special reports"])


@router.post("", response_model=SpecialReportPublic, status_code=201)
def create(body: SpecialReportCreate, ctx: ContextDep, key: SenderKeyDep) -> SpecialReportPublic:
    """Save a report (a draft, or scheduled when `at` is given). Recorded in the audit log."""
    report = special_reports.create(ctx, body.content(), actor=as_editor(key), at=body.at)
    return SpecialReportPublic.of(special_reports.get(ctx, report.id))


@router.get("/{report_id}", response_model=SpecialReportPublic)
def status(report_id: RowId, ctx: ContextDep, key: KeyDep) -> SpecialReportPublic:
    return SpecialReportPublic.of(special_reports.get(ctx, report_id))


@router.post("/{report_id}/schedule", response_model=SpecialReportPublic)
def schedule(
    report_id: RowId, body: ScheduleIn, ctx: ContextDep, key: SenderKeyDep
) -> SpecialReportPublic:
    """Schedule or re-schedule a report that has not started."""
    special_reports.schedule(ctx, report_id, body.at, actor=as_editor(key))
    return SpecialReportPublic.of(special_reports.get(ctx, report_id))


@router.post("/{report_id}/cancel", response_model=SpecialReportPublic)
def cancel(report_id: RowId, ctx: ContextDep, key: SenderKeyDep) -> SpecialReportPublic:
    """Cancel a report that has not started sending (422 once it has)."""
    special_reports.cancel(ctx, report_id, actor=as_editor(key))
    return SpecialReportPublic.of(special_reports.get(ctx, report_id))
