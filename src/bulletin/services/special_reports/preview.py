"""Seeing a special report before readers do: preview as sent, and test sends via the real relay.

A preview and a test are built by the same composer the engine uses for the real send
(skeleton and all), so what an editor checks is what readers get; only the subject
(marked "[TEST]"), the Message-ID and the addressee differ. Test sends go out at once
through the configured relay (or the built-in catcher), not through the ledger: they
are a handful of messages an editor is waiting to see, and they never reach readers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Campaign, CampaignKind, CampaignStatus, Editor
from bulletin.domain.reports import SPECIAL_REPORTS, ReportContent
from bulletin.mail import message as mail
from bulletin.mail.compose import CampaignMessages, Links, wire
from bulletin.mail.message import OutgoingMessage
from bulletin.mail.transports import Envelope
from bulletin.services import test_send_jobs
from bulletin.services.context import Context
from bulletin.services.proofs import (
    TEST_SUBJECT_PREFIX,
    TestResult,
    checked_recipients,
    send_now,
)
from bulletin.store import audit
from bulletin.store import lists as list_store
from bulletin.store import special_reports as store

PREVIEW_SUBSCRIBER = 0


@dataclass(frozen=True)
class Preview:
    subject: str
    text: str
    html: str
    headers: list[tuple[str, str]]


def preview(ctx: Context, report_id: int, *, to: str = "reader@example.org") -> Preview:
    """The report as a reader would receive it (their links are placeholders)."""
    content = _content(ctx, report_id)
    outgoing = _outgoing(ctx, report_id, content, to=to, now=ctx.clock())
    built = mail.build(outgoing)
    head = built.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    headers = [
        (name, value.replace("\r\n ", " "))
        for name, _, value in (
            line.partition(": ") for line in head.replace("\r\n ", " ").split("\r\n")
        )
    ]
    return Preview(
        subject=outgoing.subject, text=outgoing.text, html=outgoing.html, headers=headers
    )


def check_renderable(ctx: Context, content: ReportContent) -> None:
    """Refuse content that cannot be built into a message (e.g. a line too long for SMTP)."""
    try:
        mail.build(_outgoing(ctx, 0, content, to="check@example.org", now=ctx.clock()))
    except ValueError as exc:
        raise InvalidInput(
            f"This report cannot be sent as written: {exc}. Break up very long words or links."
        ) from exc


def test_send(
    ctx: Context,
    report_id: int,
    recipients: list[str],
    *,
    actor: Editor | None,
) -> list[TestResult]:
    """Send the report, marked [TEST], to these addresses only, now; never to readers.

    From the desk (`actor` given) only the editor's own address and the staff addresses
    (BULLETIN_STAFF_SEED_LIST) are allowed; the operator's command line may name any.
    """
    envelopes = _test_copies(ctx, report_id, recipients, actor)
    outcomes = send_now(ctx, envelopes)
    sent = sum(o.sent for o in outcomes)
    _audit_test(ctx, report_id, envelopes, actor, {"sent": sent})
    return outcomes


def queue_test(
    ctx: Context, report_id: int, recipients: list[str], *, actor: Editor, back_path: str
) -> int:
    """As `test_send`, sent by a worker in the background; the test send's id."""
    envelopes = _test_copies(ctx, report_id, recipients, actor)
    headline = _content(ctx, report_id).headline or f"special report {report_id}"
    job_id = test_send_jobs.queue(
        ctx,
        kind="special report",
        title=headline,
        back_path=back_path,
        envelopes=envelopes,
        actor=actor,
    )
    _audit_test(ctx, report_id, envelopes, actor, {"test_send": job_id})
    return job_id


def _test_copies(
    ctx: Context, report_id: int, recipients: list[str], actor: Editor | None
) -> list[Envelope]:
    if actor is not None and not actor.role.can_send:
        raise PermissionDenied("Your role can view special reports but not send tests.")
    addresses = checked_recipients(ctx, recipients, actor)
    content = _content(ctx, report_id)
    now = ctx.clock()
    return [
        _test_envelope(ctx, report_id, content, to=address, key=n, now=now)
        for n, address in enumerate(addresses)
    ]


def _audit_test(
    ctx: Context,
    report_id: int,
    envelopes: list[Envelope],
    actor: Editor | None,
    outcome: dict[str, object],
) -> None:
    with ctx.db.transaction() as conn:
        audit.record(
            conn,
            actor=actor.email if actor else "cli",
            action="special.test_send",
            now=ctx.clock(),
            target_type="special_report",
            target_id=report_id,
            detail={"to": [e.recipient for e in envelopes], **outcome},
        )


def _content(ctx: Context, report_id: int) -> ReportContent:
    with ctx.db.transaction() as conn:
        report = store.get(conn, report_id)
    if report is None:
        raise NotFound(f"There is no special report {report_id}.")
    return report.content


def _outgoing(
    ctx: Context, report_id: int, content: ReportContent, *, to: str, now: datetime
) -> OutgoingMessage:
    messages = _composer(ctx, report_id, content, now)
    return messages.message(
        to,
        PREVIEW_SUBSCRIBER,
        messages.token(PREVIEW_SUBSCRIBER),
        messages.preferences_token(PREVIEW_SUBSCRIBER, to),
        now,
    )


def _test_envelope(
    ctx: Context, report_id: int, content: ReportContent, *, to: str, key: int, now: datetime
) -> Envelope:
    links = Links.from_settings(ctx.settings)
    outgoing = replace(
        _outgoing(ctx, report_id, content, to=to, now=now),
        subject=TEST_SUBJECT_PREFIX + (content.subject or content.headline),
        message_id=mail.message_id(
            f"bulletin.special{report_id}.test.{uuid.uuid4().hex}", links.domain
        ),
    )
    data = wire(outgoing, links)
    return Envelope(
        key=key,
        sender=links.bounce_address(f"t{report_id}"),
        recipient=to,
        data=data,
        eight_bit=mail.is_eight_bit(data),
    )


def _composer(
    ctx: Context, report_id: int, content: ReportContent, now: datetime
) -> CampaignMessages:
    with ctx.db.transaction() as conn:
        (special,) = list_store.by_slugs(conn, [SPECIAL_REPORTS])
    campaign = Campaign(
        id=report_id,
        kind=CampaignKind.SPECIAL,
        list_id=special.id,
        status=CampaignStatus.DRAFT,
        subject=content.subject or content.headline,
        headline=content.headline,
        summary=content.dek,
        url=content.cta_url,
        created_at=now,
    )
    return CampaignMessages(
        campaign,
        special,
        links=Links.from_settings(ctx.settings),
        tokens=ctx.tokens,
        date=now,
        report=content,
    )
