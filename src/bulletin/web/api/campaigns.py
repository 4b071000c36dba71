"""/api/v1/campaigns: follow any campaign and steer it (pause, resume, cancel)."""

from __future__ import annotations

from fastapi import APIRouter

from bulletin.services.campaigns import steering as campaigns
from bulletin.web.api.auth import KeyDep, SenderKeyDep, as_editor
from bulletin.web.api.schemas import CampaignProgress, CancelResult
from bulletin.web.deps import ContextDep
from bulletin.web.ids import RowId

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


@router.get("/{campaign_id}", response_model=CampaignProgress)
def campaign_progress(campaign_id: RowId, ctx: ContextDep, key: KeyDep) -> CampaignProgress:
    """Live counts from the delivery ledger, with the sending rate and time left."""
    return _progress(ctx, campaign_id)


@router.post("/{campaign_id}/pause", response_model=CampaignProgress)
def pause(campaign_id: RowId, ctx: ContextDep, key: SenderKeyDep) -> CampaignProgress:
    """Stop handing messages to relays; nothing is skipped or sent twice on resume."""
    campaigns.pause(ctx, campaign_id, actor=as_editor(key))
    return _progress(ctx, campaign_id)


@router.post("/{campaign_id}/resume", response_model=CampaignProgress)
def resume(campaign_id: RowId, ctx: ContextDep, key: SenderKeyDep) -> CampaignProgress:
    campaigns.resume(ctx, campaign_id, actor=as_editor(key))
    return _progress(ctx, campaign_id)


@router.post("/{campaign_id}/cancel", response_model=CancelResult)
def cancel(campaign_id: RowId, ctx: ContextDep, key: SenderKeyDep) -> CancelResult:
    """Stop for good: every message not yet handed to a relay is never sent."""
    not_sent = campaigns.cancel(ctx, campaign_id, actor=as_editor(key))
    return CancelResult(**_progress(ctx, campaign_id).model_dump(), not_sent=not_sent)


def _progress(ctx: ContextDep, campaign_id: int) -> CampaignProgress:
    return CampaignProgress.model_validate(campaigns.progress(ctx, campaign_id).as_json())
