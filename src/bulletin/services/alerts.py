"""Firing a breaking alert: validate, record the campaign, fan out into the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from bulletin.domain.alerts import validate_alert
from bulletin.domain.errors import NotFound, PermissionDenied
from bulletin.domain.models import AlertDraft, CampaignCounts, CampaignKind, Editor
from bulletin.services.context import Context
from bulletin.store import audit, campaigns, deliveries
from bulletin.store import lists as list_store

BREAKING = "breaking"


@dataclass(frozen=True)
class FiredAlert:
    campaign_id: int
    recipients: int


def fire_alert(ctx: Context, draft: AlertDraft, *, actor: Editor | None) -> FiredAlert:
    """Send an alert to every confirmed reader of `breaking`, now.

    `actor` is the signed-in editor, or None for the operator's command line.
    The ledger rows are written in the same transaction as the campaign, so an alert
    either reaches its whole audience or was never fired.
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
        )
        recipients = deliveries.fan_out(
            conn, campaign_id=campaign_id, list_id=breaking.id, send_after=now
        )
        campaigns.mark_sending(conn, campaign_id, now=now)
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
    with ctx.db.transaction() as conn:
        if campaigns.get(conn, campaign_id) is None:
            raise NotFound(f"There is no campaign {campaign_id}.")
        return deliveries.counts(conn, campaign_id)
