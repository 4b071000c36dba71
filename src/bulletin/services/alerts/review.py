"""The desk's last steps before an alert goes out: review, send, and a second editor's approval.

Reviewing an alert states how many readers it will reach and signs the reviewed
content into a token bound to the editor. Sending takes the content from that token,
never from the form, so what the editor confirmed is exactly what is sent. When the
newsroom requires a second editor (BULLETIN_ALERT_APPROVAL), sending records the
alert as awaiting approval; another editor — never the one who proposed it — approves
it, and it goes out then.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from bulletin.domain.alerts import validate_alert
from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied, TokenInvalid
from bulletin.domain.models import AlertDraft, CampaignKind, CampaignStatus, Editor
from bulletin.domain.subject_tests import SubjectTest
from bulletin.services.alerts import races
from bulletin.services.alerts import sending as alerts
from bulletin.services.alerts.sending import FiredAlert
from bulletin.services.context import Context
from bulletin.services.webhooks import events as webhook_events
from bulletin.store import audit, campaigns
from bulletin.store.ledger.counts import campaign_counts

REVIEW_MAX_AGE_S = 30 * 60


@dataclass(frozen=True)
class Review:
    """A checked alert, the readers it would reach now, and the token that sends it."""

    draft: AlertDraft
    recipients: int
    token: str
    needs_approval: bool


def review(ctx: Context, draft: AlertDraft, *, actor: Editor) -> Review:
    """Check an alert and count its readers; nothing is written."""
    alerts.ensure_can_send(actor)
    alert = races.checked(ctx, validate_alert(draft))
    with ctx.db.transaction() as conn:
        alerts.check_sources(conn, alert, now=ctx.clock())
    return Review(
        draft=alert,
        recipients=alerts.audience(ctx),
        token=ctx.tokens.alert_review(_payload(alert, actor)),
        needs_approval=ctx.settings.alert_approval,
    )


def reviewed_draft(ctx: Context, token: str, *, actor: Editor) -> tuple[AlertDraft, str]:
    """The alert a review token carries and the review's id, if this editor reviewed it."""
    payload = ctx.tokens.read_alert_review(token, max_age_s=REVIEW_MAX_AGE_S)
    if payload.get("editor") != actor.id:
        raise TokenInvalid("This alert was reviewed by someone else; review it yourself first.")
    try:
        draft = AlertDraft(
            subject=str(payload["subject"]),
            headline=str(payload["headline"]),
            summary=str(payload["summary"]),
            url=str(payload["url"]),
            story_id=_optional_int(payload.get("story")),
            parent_id=_optional_int(payload.get("parent")),
            test=_test(payload.get("test")),
        )
        review_id = str(payload["review"])
    except (KeyError, ValueError, TypeError) as exc:
        raise TokenInvalid("This alert was not reviewed here; review it before sending.") from exc
    return draft, review_id


def send_reviewed(ctx: Context, token: str, *, actor: Editor) -> FiredAlert:
    """Send the reviewed alert now, or hold it for a second editor if the newsroom says so.

    One review sends once: pressing Send again (or replaying the form) returns the
    alert already made. Two presses at the same instant meet the unique review id in
    the database; the loser finds the winner's alert.
    """
    alerts.ensure_can_send(actor)
    draft, review_id = reviewed_draft(ctx, token, actor=actor)
    already = _sent_from(ctx, review_id)
    if already is not None:
        return already
    try:
        if ctx.settings.alert_approval:
            return propose(ctx, draft, actor=actor, review_id=review_id)
        return alerts.fire_alert(ctx, draft, actor=actor, review_id=review_id)
    except IntegrityError:
        already = _sent_from(ctx, review_id)
        if already is None:
            raise
        return already


def _sent_from(ctx: Context, review_id: str) -> FiredAlert | None:
    with ctx.db.transaction() as conn:
        campaign_id = campaigns.by_review(conn, review_id)
        if campaign_id is None:
            return None
        campaign = campaigns.get(conn, campaign_id)
        counts = campaign_counts(conn, campaign_id)
    waiting = campaign is not None and campaign.status is CampaignStatus.AWAITING_APPROVAL
    return FiredAlert(campaign_id=campaign_id, recipients=counts.total, awaiting_approval=waiting)


def propose(
    ctx: Context, draft: AlertDraft, *, actor: Editor, review_id: str | None = None
) -> FiredAlert:
    """Record an alert as awaiting a second editor's approval; nothing is queued.

    `recipients` is the audience now; the one written at approval may differ.
    """
    alerts.ensure_can_send(actor)
    alert = races.checked(ctx, validate_alert(draft))
    now = ctx.clock()
    recipients = alerts.audience(ctx)  # counted before the write lock is taken, not under it
    with ctx.db.transaction() as conn:
        alerts.check_sources(conn, alert, now=now)
        campaign_id = alerts.record(
            conn,
            ctx,
            alert,
            actor=actor,
            status=CampaignStatus.AWAITING_APPROVAL,
            review_id=review_id,
        )
        audit.record(
            conn,
            actor=actor.email,
            action="alert.propose",
            now=now,
            target_type="campaign",
            target_id=campaign_id,
            detail={"headline": alert.headline, "recipients_now": recipients},
        )
    return FiredAlert(campaign_id=campaign_id, recipients=recipients, awaiting_approval=True)


def approve(ctx: Context, campaign_id: int, *, actor: Editor) -> FiredAlert:
    """A second editor approves a proposed alert: it is sent now, to the readers of now."""
    alerts.ensure_can_send(actor)
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        campaign = campaigns.get(conn, campaign_id)
        if campaign is None or campaign.kind is not CampaignKind.ALERT:
            raise NotFound(f"There is no alert {campaign_id}.")
        if campaign.created_by is not None and campaign.created_by == actor.id:
            raise PermissionDenied("You proposed this alert: a different editor must approve it.")
        alert = AlertDraft(
            campaign.headline,
            campaign.summary,
            campaign.url,
            story_id=campaign.story_id,
            parent_id=campaign.parent_id,
        )
        alerts.check_sources(conn, alert, now=now)
        expires = now + timedelta(seconds=ctx.settings.alert_expiry_s)
        if not campaigns.approve(
            conn, campaign_id, approved_by=actor.id, now=now, expires_at=expires
        ):
            raise InvalidInput("This alert is no longer waiting for approval.")
        alerts.start_sending(conn, ctx, campaign_id, alerts.breaking_list(conn), now=now)
        webhook_events.alert_approved(conn, campaign_id, approved_by=actor.id, now=now)
        audit.record(
            conn,
            actor=actor.email,
            action="alert.approve",
            now=now,
            target_type="campaign",
            target_id=campaign_id,
            detail={"headline": campaign.headline},
        )
    return FiredAlert(
        campaign_id=campaign_id, recipients=alerts.audience_once_sent(ctx, campaign_id)
    )


def _payload(alert: AlertDraft, actor: Editor) -> dict[str, object]:
    return {
        "review": secrets.token_hex(16),
        "editor": actor.id,
        "subject": alert.subject,
        "headline": alert.headline,
        "summary": alert.summary,
        "url": alert.url,
        "story": alert.story_id,
        "parent": alert.parent_id,
        "test": None
        if alert.test is None
        else {
            "subjects": list(alert.test.subjects),
            "share": alert.test.share_percent,
            "window": alert.test.window_s,
        },
    }


def _test(value: object) -> SubjectTest | None:
    """The subject test a review token carries (checked again when it is sent)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(value)
    subjects = value["subjects"]
    if not isinstance(subjects, list):
        raise ValueError(subjects)
    return SubjectTest(tuple(str(s) for s in subjects), int(value["share"]), int(value["window"]))


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(value)
