"""Firing a breaking alert: validate, record the campaign, start its fan-out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bulletin.domain.alerts import validate_alert
from bulletin.domain.errors import PermissionDenied
from bulletin.domain.models import AlertDraft, CampaignCounts, CampaignKind, Editor
from bulletin.services import campaigns as campaign_service
from bulletin.services.context import Context
from bulletin.store import audit, campaigns, deliveries, fanout
from bulletin.store import lists as list_store

BREAKING = "breaking"


@dataclass(frozen=True)
class FiredAlert:
    campaign_id: int
    recipients: int


def fire_alert(ctx: Context, draft: AlertDraft, *, actor: Editor | None) -> FiredAlert:
    """Send an alert to every confirmed reader of `breaking`, now.

    `actor` is the signed-in editor, or None for the operator's command line. The
    campaign and the first chunk of its ledger are written in one transaction, so the
    workers start sending at once; the scheduler writes the rest of the ledger chunk
    by chunk from the saved cursor, so a crash part-way resumes, never restarts.
    """
    if actor is not None and not actor.role.can_send:
        raise PermissionDenied("Your role can view the desk but not send alerts.")
    alert = validate_alert(draft)
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        (breaking,) = list_store.by_slugs(conn, [BREAKING])
        campaign_id = campaigns.insert(
            conn,
            kind=CampaignKind.ALERT,
            list_id=breaking.id,
            subject=alert.subject or alert.headline,
            headline=alert.headline,
            summary=alert.summary,
            url=alert.url,
            created_by=actor.id if actor else None,
            now=now,
            expires_at=now + timedelta(seconds=ctx.settings.alert_expiry_s),
        )
        campaigns.mark_sending(conn, campaign_id, now=now)
        recipients = deliveries.audience_size(conn, breaking.id)
        fanout.step(conn, campaign_id=campaign_id, list_id=breaking.id, cursor=None, send_after=now)
        audit.record(
            conn,
            actor=actor.email if actor else "cli",
            action="alert.fire",
            now=now,
            target_type="campaign",
            target_id=campaign_id,
            detail={"headline": alert.headline, "recipients": recipients},
        )
    return FiredAlert(campaign_id=campaign_id, recipients=recipients)


def campaign_counts(ctx: Context, campaign_id: int) -> CampaignCounts:
    """The ledger counts of one campaign (see `services.campaigns.progress` for more)."""
    return campaign_service.campaign_counts(ctx, campaign_id)
