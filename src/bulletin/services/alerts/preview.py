"""Seeing an alert before it goes out: the live preview, and test sends to the staff seed list.

Both build the message with the very code that builds each reader's message
(`mail.compose.CampaignMessages`), so what the editor sees is what readers get; only
the per-reader links differ (they point at a harmless "preview" link). Test sends go
through the configured relay (or the built-in catcher) but never into the delivery
ledger: they are not a send to readers and count in no report. They are audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from email import message_from_bytes, policy

from bulletin.domain.alerts import validate_alert
from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import AlertDraft, Campaign, CampaignKind, CampaignStatus, Editor
from bulletin.mail import message as mail
from bulletin.mail.compose import CampaignMessages, Links, wire
from bulletin.mail.transports import Envelope
from bulletin.services import test_send_jobs
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.proofs import TEST_SUBJECT_PREFIX, send_replies
from bulletin.store import audit

PREVIEW_LINK_TOKEN = "preview"  # the reader links of a preview lead to a "not valid" page
TOO_LONG = "This alert is too long to be built as an email."


@dataclass(frozen=True)
class Preview:
    """The alert as the builder makes it: subject and both bodies, or why it cannot be built."""

    subject: str
    html: str
    text: str
    problem: str | None  # what would stop it being sent, None if nothing


@dataclass(frozen=True)
class TestSend:
    sent: list[str]
    failed: list[tuple[str, str]]  # (address, the relay's reply)


def preview(ctx: Context, draft: AlertDraft, *, to: str) -> Preview:
    """The message `to` would get, for a draft that may still be half written."""
    problem = _problem(draft)
    subject = (draft.subject or "").strip() or draft.headline.strip()
    loose = replace(draft, subject=subject, headline=draft.headline.strip())
    try:
        data = mail.build(_message(ctx, loose, to=to))
    except InvalidInput as exc:
        return Preview(subject=subject, html="", text="", problem=str(exc))
    except ValueError:  # a line too long for mail: only text far over the limits makes one
        return Preview(subject=subject, html="", text="", problem=problem or TOO_LONG)
    parsed = message_from_bytes(data, policy=policy.default)
    html, text = parsed.get_body(("html",)), parsed.get_body(("plain",))
    return Preview(
        subject=subject,
        html=html.get_content() if html else "",
        text=text.get_content() if text else "",
        problem=problem,
    )


def of_campaign(ctx: Context, campaign: Campaign, *, to: str) -> Preview:
    """A recorded alert as `to` would get it (for the editor asked to approve it)."""
    draft = AlertDraft(campaign.headline, campaign.summary, campaign.url, subject=campaign.subject)
    return preview(ctx, draft, to=to)


def seed_list(ctx: Context, actor: Editor) -> tuple[str, ...]:
    """Who test sends go to: the newsroom's staff seed list, else the editor alone."""
    return ctx.settings.staff_seed_list or (actor.email,)


def test_send(ctx: Context, draft: AlertDraft, *, actor: Editor) -> TestSend:
    """Send the alert, subject marked [TEST], to the staff seed list through the relay, now."""
    alert, envelopes = _test_copies(ctx, draft, actor)
    replies = send_replies(ctx, envelopes)
    outcomes = [(e.recipient, reply) for e, reply in zip(envelopes, replies, strict=True)]
    sent = [to for to, reply in outcomes if reply.accepted]
    failed = [(to, reply.text) for to, reply in outcomes if not reply.accepted]
    _audit_test(ctx, alert, actor, {"sent": sent, "failed": [a for a, _ in failed]})
    return TestSend(sent=sent, failed=failed)


def queue_test(ctx: Context, draft: AlertDraft, *, actor: Editor, back_path: str) -> int:
    """As `test_send`, sent by a worker in the background; the test send's id."""
    alert, envelopes = _test_copies(ctx, draft, actor)
    job_id = test_send_jobs.queue(
        ctx,
        kind="alert",
        title=alert.headline,
        back_path=back_path,
        envelopes=envelopes,
        actor=actor,
    )
    _audit_test(ctx, alert, actor, {"to": [e.recipient for e in envelopes], "test_send": job_id})
    return job_id


def _test_copies(
    ctx: Context, draft: AlertDraft, actor: Editor
) -> tuple[AlertDraft, list[Envelope]]:
    alerts.ensure_can_send(actor)
    alert = validate_alert(draft)
    recipients = seed_list(ctx, actor)
    return alert, [_test_envelope(ctx, alert, key=i, to=to) for i, to in enumerate(recipients)]


def _audit_test(ctx: Context, alert: AlertDraft, actor: Editor, outcome: dict[str, object]) -> None:
    with ctx.db.transaction() as conn:
        audit.record(
            conn,
            actor=actor.email,
            action="alert.test_send",
            now=ctx.clock(),
            target_type="alert",
            detail={"headline": alert.headline, **outcome},
        )


def _test_envelope(ctx: Context, alert: AlertDraft, *, key: int, to: str) -> Envelope:
    message = _message(ctx, alert, to=to)
    links = Links.from_settings(ctx.settings)
    domain = links.domain
    data = wire(
        replace(
            message,
            subject=TEST_SUBJECT_PREFIX + message.subject,
            # Each test its own Message-ID: mail clients drop a second copy of one they saw.
            message_id=mail.message_id(f"bulletin.test.{secrets.token_hex(8)}", domain),
        ),
        links,
    )
    return Envelope(
        key=key,
        sender=f"bounces+test@{domain}",
        recipient=to,
        data=data,
        eight_bit=mail.is_eight_bit(data),
    )


def _message(ctx: Context, draft: AlertDraft, *, to: str) -> mail.OutgoingMessage:
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        breaking = alerts.breaking_list(conn)
    campaign = Campaign(
        id=0,
        kind=CampaignKind.ALERT,
        list_id=breaking.id,
        status=CampaignStatus.DRAFT,
        subject=draft.subject or draft.headline,
        headline=draft.headline,
        summary=draft.summary,
        url=draft.url,
        created_at=now,
    )
    composer = CampaignMessages(
        campaign, breaking, links=Links.from_settings(ctx.settings), tokens=ctx.tokens, date=now
    )
    return composer.message(to, "preview", PREVIEW_LINK_TOKEN, PREVIEW_LINK_TOKEN, now)


def _problem(draft: AlertDraft) -> str | None:
    try:
        validate_alert(draft)
    except InvalidInput as exc:
        return str(exc)
    return None
