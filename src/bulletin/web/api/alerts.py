"""/api/v1/alerts: fire a breaking alert, then follow its delivery."""

from __future__ import annotations

from fastapi import APIRouter, Request

from bulletin.domain.models import AlertDraft
from bulletin.domain.subject_tests import SubjectTest
from bulletin.services.alerts import review as alert_review
from bulletin.services.alerts import sending as alerts
from bulletin.web.api.auth import KeyDep, SenderKeyDep, as_editor
from bulletin.web.api.schemas import AlertCreate, AlertPublic, AlertStatus
from bulletin.web.deps import ContextDep
from bulletin.web.ids import RowId

router = APIRouter(prefix="/alerts", tags=["alerts"])


@router.post("", response_model=AlertPublic, status_code=201)
def fire_alert(
    body: AlertCreate, request: Request, ctx: ContextDep, key: SenderKeyDep
) -> AlertPublic:
    """Send to every confirmed Breaking News reader, now. Recorded in the audit log.

    When the newsroom requires a second editor's approval (BULLETIN_ALERT_APPROVAL), the
    alert is held instead (`awaiting_approval`) until an editor approves it on the desk.
    """
    test = body.subject_test
    draft = AlertDraft(
        headline=body.headline,
        summary=body.summary,
        url=body.url,
        subject=body.subject,
        test=None
        if test is None
        else SubjectTest(("", *test.subjects), test.share_percent, test.minutes * 60),
    )
    if ctx.settings.alert_approval:
        fired = alert_review.propose(ctx, draft, actor=as_editor(key))
    else:
        fired = alerts.fire_alert(ctx, draft, actor=as_editor(key))
    return AlertPublic(
        campaign_id=fired.campaign_id,
        recipients=fired.recipients,
        awaiting_approval=fired.awaiting_approval,
        status_url=str(request.url_for("alert_status", campaign_id=fired.campaign_id).path),
    )


@router.get("/{campaign_id}", response_model=AlertStatus, name="alert_status")
def alert_status(campaign_id: RowId, ctx: ContextDep, key: KeyDep) -> AlertStatus:
    counts = vars(alerts.campaign_counts(ctx, campaign_id))
    # Every status the ledger knows is reported, so new ones (e.g. "sending") appear as-is.
    open_rows = sum(counts.get(status, 0) for status in ("queued", "sending"))
    return AlertStatus(
        campaign_id=campaign_id,
        done=open_rows == 0,
        counts={**counts, "total": sum(counts.values())},
    )
