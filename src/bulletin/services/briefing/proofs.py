"""Test sends of the morning briefing: one segment's edition, marked [TEST], to editors only.

The message is built by the engine's own steps (`render_briefing` with the list's name,
then `CampaignMessages`), so the test copy is what that segment's readers get; only the
subject prefix, the Message-ID, the addressee and their links differ. It goes out at
once through the relay (`services.test_sends`), never through the ledger.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime

from bulletin.domain.editions import Edition, EditionStatus
from bulletin.domain.errors import InvalidInput, PermissionDenied
from bulletin.domain.models import Campaign, CampaignKind, CampaignStatus, Editor, MailingList
from bulletin.mail import message as mail
from bulletin.mail.briefing import render_briefing
from bulletin.mail.compose import CampaignMessages, Links, wire
from bulletin.mail.transports import Envelope
from bulletin.services import test_send_jobs
from bulletin.services.briefing import editions as briefing
from bulletin.services.context import Context
from bulletin.services.proofs import (
    TEST_SUBJECT_PREFIX,
    TestResult,
    checked_recipients,
    send_now,
)
from bulletin.store import lists as list_store
from bulletin.store.briefing import steps as briefing_store

TEST_SUBSCRIBER = 0  # no reader has this id: the copy's own links lead nowhere harmful


def test_send(
    ctx: Context,
    edition_date: date,
    *,
    segment: int,
    recipients: list[str],
    actor: Editor | None,
) -> list[TestResult]:
    """Send the edition as `segment`'s readers get it, marked [TEST], to these addresses only.

    From the desk (`actor` given) only the editor's own address and the staff addresses
    (BULLETIN_STAFF_SEED_LIST) are allowed; the operator's command line may name any.
    """
    edition, envelopes = _test_copies(ctx, edition_date, segment, recipients, actor)
    outcomes = send_now(ctx, envelopes)
    _audit_test(ctx, edition, segment, envelopes, actor, {"sent": sum(o.sent for o in outcomes)})
    return outcomes


def queue_test(
    ctx: Context,
    edition_date: date,
    *,
    segment: int,
    recipients: list[str],
    actor: Editor,
    back_path: str,
) -> int:
    """As `test_send`, sent by a worker in the background; the test send's id."""
    edition, envelopes = _test_copies(ctx, edition_date, segment, recipients, actor)
    job_id = test_send_jobs.queue(
        ctx,
        kind="briefing",
        title=f"{edition_date:%A %Y-%m-%d} briefing, segment {segment}",
        back_path=back_path,
        envelopes=envelopes,
        actor=actor,
    )
    _audit_test(ctx, edition, segment, envelopes, actor, {"test_send": job_id})
    return job_id


def _test_copies(
    ctx: Context, edition_date: date, segment: int, recipients: list[str], actor: Editor | None
) -> tuple[Edition, list[Envelope]]:
    if actor is not None and not actor.role.can_send:
        raise PermissionDenied("Your role can view the briefing but not send tests.")
    if segment < 0:
        raise InvalidInput(f"Segment {segment} does not exist: segments are 0 or more.")
    addresses = checked_recipients(ctx, recipients, actor)
    edition = briefing.get(ctx, edition_date)
    if edition.status is EditionStatus.SKIPPED or not edition.items:
        raise InvalidInput(
            f"The {edition_date} briefing is skipped, so there is nothing to test:"
            f" {edition.skip_reason or 'it carries no stories'}"
        )
    now = ctx.clock()
    composer = _composer(ctx, edition, segment, now)
    envelopes = [
        _envelope(ctx, composer, to=address, key=n, now=now) for n, address in enumerate(addresses)
    ]
    return edition, envelopes


def _audit_test(
    ctx: Context,
    edition: Edition,
    segment: int,
    envelopes: list[Envelope],
    actor: Editor | None,
    outcome: dict[str, object],
) -> None:
    with ctx.db.transaction() as conn:
        briefing.audit_edition(
            conn,
            ctx,
            actor.email if actor else "cli",
            "briefing.test_send",
            edition,
            {"segment": segment, "to": [e.recipient for e in envelopes], **outcome},
        )


def _composer(ctx: Context, edition: Edition, segment: int, now: datetime) -> CampaignMessages:
    with ctx.db.transaction() as conn:
        (the_list,) = list_store.by_slugs(conn, [briefing_store.BRIEFING])
    campaign = _campaign(edition, the_list, now)
    links = Links.from_settings(ctx.settings)
    rendered = render_briefing(
        edition,
        segment,
        subject=campaign.subject,
        list_name=the_list.name,
        brand=links.brand,
        # The web version exists once the edition's campaign does.
        view_url=links.view_url(the_list.slug, campaign.id) if edition.campaign_id else None,
    )
    return CampaignMessages(
        campaign, the_list, links=links, tokens=ctx.tokens, date=now, rendered=rendered
    )


def _campaign(edition: Edition, the_list: MailingList, now: datetime) -> Campaign:
    """The campaign approval makes (`store.briefing`), whether or not it exists yet."""
    lead = edition.items[0]
    return Campaign(
        id=edition.campaign_id or 0,
        kind=CampaignKind.BRIEFING,
        list_id=the_list.id,
        status=CampaignStatus.DRAFT,
        subject=briefing_store.subject(edition),
        headline=lead.headline,
        summary=edition.greeting,
        url=lead.url,
        created_at=now,
    )


def _envelope(
    ctx: Context, composer: CampaignMessages, *, to: str, key: int, now: datetime
) -> Envelope:
    links = Links.from_settings(ctx.settings)
    outgoing = composer.message(
        to,
        TEST_SUBSCRIBER,
        composer.token(TEST_SUBSCRIBER),
        composer.preferences_token(TEST_SUBSCRIBER, to),
        now,
    )
    data = wire(
        replace(
            outgoing,
            subject=TEST_SUBJECT_PREFIX + outgoing.subject,
            # Each test its own Message-ID: mail clients drop a second copy of one they saw.
            message_id=mail.message_id(f"bulletin.briefing.test.{uuid.uuid4().hex}", links.domain),
        ),
        links,
    )
    return Envelope(
        key=key,
        sender=links.bounce_address("test"),
        recipient=to,
        data=data,
        eight_bit=mail.is_eight_bit(data),
    )
