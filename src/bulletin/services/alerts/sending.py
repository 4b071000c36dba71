"""Firing a breaking alert: validate, record the campaign, start its fan-out."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from bulletin.domain.alerts import draft_from_story, follow_up_draft, story_problem, validate_alert
from bulletin.domain.errors import InvalidAlert, NotFound, PermissionDenied
from bulletin.domain.models import (
    AlertDraft,
    Campaign,
    CampaignCounts,
    CampaignKind,
    CampaignStatus,
    Editor,
    MailingList,
)
from bulletin.services.alerts import races
from bulletin.services.campaigns import steering as campaign_service
from bulletin.services.context import Context
from bulletin.store import audit, campaigns, subject_tests
from bulletin.store import lists as list_store
from bulletin.store.ledger import audience as ledger_audience
from bulletin.store.ledger import fanout
from bulletin.store.stories import proposals
from bulletin.store.stories import versions as story_store

log = logging.getLogger(__name__)

BREAKING = "breaking"
# An update follows an alert that went out (or started to): not one still waiting.
FOLLOWABLE = (
    CampaignStatus.SENDING,
    CampaignStatus.PAUSED,
    CampaignStatus.SENT,
    CampaignStatus.CANCELLED,
)


@dataclass(frozen=True)
class FiredAlert:
    campaign_id: int
    # None: the alert is going out but its readers could not be counted afterwards.
    recipients: int | None
    awaiting_approval: bool = False


def fire_alert(
    ctx: Context, draft: AlertDraft, *, actor: Editor | None, review_id: str | None = None
) -> FiredAlert:
    """Send an alert to every confirmed reader of `breaking`, now.

    `actor` is the signed-in editor, or None for the operator's command line. The
    campaign and the first chunk of its ledger are written in one transaction, so the
    workers start sending at once; the scheduler writes the rest of the ledger chunk
    by chunk from the saved cursor, so a crash part-way resumes, never restarts.
    The audience is counted after that commit, while the first messages leave.
    """
    ensure_can_send(actor)
    alert = races.checked(ctx, validate_alert(draft))
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        check_sources(conn, alert, now=now)
        breaking = breaking_list(conn)
        campaign_id = record(
            conn, ctx, alert, actor=actor, status=CampaignStatus.DRAFT, review_id=review_id
        )
        start_sending(conn, ctx, campaign_id, breaking, now=now)
        audit.record(
            conn,
            actor=actor.email if actor else "cli",
            action="alert.fire",
            now=now,
            target_type="campaign",
            target_id=campaign_id,
            detail=_detail(alert),
        )
    return FiredAlert(campaign_id=campaign_id, recipients=audience_once_sent(ctx, campaign_id))


def ensure_can_send(actor: Editor | None) -> None:
    if actor is not None and not actor.role.can_send:
        raise PermissionDenied("Your role can view the desk but not send alerts.")


def breaking_list(conn: Connection) -> MailingList:
    (breaking,) = list_store.by_slugs(conn, [BREAKING])
    return breaking


def record(
    conn: Connection,
    ctx: Context,
    alert: AlertDraft,
    *,
    actor: Editor | None,
    status: CampaignStatus,
    review_id: str | None = None,
) -> int:
    """The campaign row of a validated alert (not yet sending), and its subject test."""
    now = ctx.clock()
    campaign_id = campaigns.insert(
        conn,
        kind=CampaignKind.ALERT,
        list_id=breaking_list(conn).id,
        subject=alert.subject or alert.headline,
        headline=alert.headline,
        summary=alert.summary,
        url=alert.url,
        created_by=actor.id if actor else None,
        now=now,
        expires_at=now + timedelta(seconds=ctx.settings.alert_expiry_s),
        story_id=alert.story_id,
        parent_id=alert.parent_id,
        status=status,
        review_id=review_id,
    )
    if alert.test is not None:
        subject_tests.insert(conn, campaign_id, alert.test)
    return campaign_id


def start_sending(
    conn: Connection, ctx: Context, campaign_id: int, breaking: MailingList, *, now: datetime
) -> None:
    """Mark the campaign sending and write its first ledger chunk.

    A first alert from a story closes the story's proposal on the dashboard. The
    audience is not counted here: at a million readers on a cold page cache the count
    takes 0.6-0.7 s, and on SQLite this transaction holds the write lock, so the
    workers could claim nothing until it ended (count it with `audience` afterwards).
    """
    campaign = campaigns.get(conn, campaign_id)
    if campaign is not None and campaign.story_id is not None and campaign.parent_id is None:
        proposals.mark_sent(conn, campaign.story_id, campaign_id=campaign_id, now=now)
    campaigns.mark_sending(conn, campaign_id, now=now)
    subject_tests.start(
        conn, campaign_id, now=now, expires_at=campaign.expires_at if campaign else None
    )
    fanout.step(
        conn,
        campaign_id=campaign_id,
        list_id=breaking.id,
        cursor=None,
        send_after=now,
        limit=fanout.FIRST_CHUNK,
    )


def check_sources(conn: Connection, alert: AlertDraft, *, now: datetime) -> None:
    """The story an alert names must exist and be publishable; its parent must have gone out."""
    if alert.story_id is not None:
        stored = story_store.get(conn, alert.story_id)
        if stored is None:
            raise NotFound(f"There is no story {alert.story_id}.")
        problem = story_problem(stored.story, now)
        if problem:
            raise InvalidAlert(problem)
    if alert.parent_id is not None:
        parent = campaigns.get(conn, alert.parent_id)
        if parent is None or parent.kind is not CampaignKind.ALERT:
            raise NotFound(f"There is no alert {alert.parent_id} to follow up.")
        if parent.status not in FOLLOWABLE:
            raise InvalidAlert("Only an alert that has been sent can have an update.")


def audience(ctx: Context) -> int:
    """How many readers an alert sent now would go to (the fan-out's own selection)."""
    with ctx.db.reading() as conn:
        return ledger_audience.size(conn, breaking_list(conn).id)


def audience_once_sent(ctx: Context, campaign_id: int) -> int | None:
    """The audience of an alert already committed to go out, or None if it cannot be read.

    Best effort on purpose: were this read to raise, the Send would look failed to the
    caller although the alert is on its way, and an operator sending it again from the
    command line would fire a second alert to every reader.
    """
    try:
        return audience(ctx)
    except DBAPIError as exc:
        log.warning(
            "alert %s is sending; counting its readers failed: %s",
            campaign_id,
            exc.orig,
            extra={"campaign_id": campaign_id},
        )
        return None


def draft_for_story(ctx: Context, story_id: int) -> AlertDraft:
    """The alert a stored story suggests, for an editor to check (nothing is sent)."""
    with ctx.db.transaction() as conn:
        stored = story_store.get(conn, story_id)
    if stored is None:
        raise NotFound(f"There is no story {story_id}.")
    return draft_from_story(stored.story, story_id=stored.id)


def draft_for_update(ctx: Context, parent_id: int) -> AlertDraft:
    """The start of a follow-up to a sent alert: threaded to it, subject 'Update: …'."""
    with ctx.db.transaction() as conn:
        parent = campaigns.get(conn, parent_id)
        check_sources(conn, AlertDraft("", "", "", parent_id=parent_id), now=ctx.clock())
    assert parent is not None  # check_sources refused a missing parent
    return follow_up_draft(parent)


@dataclass(frozen=True)
class DraftContext:
    """What the alert form shows around a draft: where it came from, who it would reach."""

    story_headline: str | None
    parent: Campaign | None
    recipients: int


def draft_context(ctx: Context, draft: AlertDraft) -> DraftContext:
    with ctx.db.reading() as conn:
        stored = story_store.get(conn, draft.story_id) if draft.story_id is not None else None
        parent = campaigns.get(conn, draft.parent_id) if draft.parent_id is not None else None
        recipients = ledger_audience.size(conn, breaking_list(conn).id)
    headline = (stored.story.headline or "(no headline)") if stored else None
    return DraftContext(story_headline=headline, parent=parent, recipients=recipients)


def thread(ctx: Context, campaign: Campaign) -> tuple[Campaign | None, list[Campaign]]:
    """The alert a campaign follows up (if any) and its own follow-ups."""
    with ctx.db.transaction() as conn:
        parent = campaigns.get(conn, campaign.parent_id) if campaign.parent_id else None
        return parent, campaigns.children(conn, campaign.id)


def _detail(alert: AlertDraft) -> dict[str, object]:
    detail: dict[str, object] = {"headline": alert.headline}
    if alert.story_id is not None:
        detail["story_id"] = alert.story_id
    if alert.parent_id is not None:
        detail["parent_id"] = alert.parent_id
    if alert.test is not None:
        detail["subject_test"] = {
            "subjects": list(alert.test.subjects),
            "share_percent": alert.test.share_percent,
            "window_minutes": alert.test.window_minutes,
        }
    return detail


def campaign_counts(ctx: Context, campaign_id: int) -> CampaignCounts:
    """The ledger counts of one campaign (see `services.campaigns.progress` for more)."""
    return campaign_service.campaign_counts(ctx, campaign_id)
