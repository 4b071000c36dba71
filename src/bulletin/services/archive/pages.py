"""What the public archive shows: each sent message's web version, and each list's.

A web version is the message as its readers got it, rendered again without any
reader's values (`web=True`: no unsubscribe or preferences link, no token, no
address), so anyone may read it. Withdrawing one (a correction) is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bulletin.domain.errors import InvalidInput, NotFound
from bulletin.domain.models import Campaign, CampaignKind, Editor, MailingList
from bulletin.mail.briefing import render_briefing
from bulletin.mail.compose import render_campaign
from bulletin.mail.render import Brand
from bulletin.services.context import Context
from bulletin.store import archive as archive_store
from bulletin.store import audit
from bulletin.store import lists as list_store
from bulletin.store.ledger.sql import SqlLedger

PAGE_SIZE = 50
MAX_REASON = 500


@dataclass(frozen=True)
class Entry:
    """One message as a list page or feed names it."""

    campaign: Campaign
    day: date  # when it went out, in the newsroom's time zone
    path: str  # its web version, under the site's base URL


@dataclass(frozen=True)
class Listing:
    mailing_list: MailingList
    entries: tuple[Entry, ...]


def lists(ctx: Context) -> list[MailingList]:
    with ctx.db.reading() as conn:
        return list_store.all_lists(conn)


def message_path(slug: str, campaign_id: int) -> str:
    """Where a campaign's web version is; the same as `Links.view_url` without the base."""
    return f"/archive/{slug}/{campaign_id}"


def path_of(ctx: Context, campaign_id: int) -> str:
    """The web version's path of any sent campaign. Raises NotFound for no such one."""
    with ctx.db.reading() as conn:
        campaign = archive_store.shown(conn, campaign_id)
        if campaign is None:
            raise NotFound("There is no such message in the archive.")
        return message_path(list_store.by_id(conn, campaign.list_id).slug, campaign_id)


def listing(ctx: Context, slug: str, *, limit: int = PAGE_SIZE) -> Listing:
    """The list's newest archived messages. Raises NotFound for no such list."""
    zone = ZoneInfo(ctx.settings.time_zone)
    with ctx.db.reading() as conn:
        found = {ml.slug: ml for ml in list_store.all_lists(conn)}.get(slug)
        if found is None:
            raise NotFound(f"There is no list {slug!r}.")
        newest = archive_store.newest(conn, found.id, limit=limit)
    entries = tuple(
        Entry(c, c.started_at.astimezone(zone).date(), message_path(slug, c.id))
        for c in newest
        if c.started_at is not None
    )
    return Listing(found, entries)


def web_version(ctx: Context, slug: str, campaign_id: int) -> str:
    """The message's HTML as the archive shows it. Raises NotFound unless it was sent
    on that list and not withdrawn."""
    with ctx.db.reading() as conn:
        campaign = archive_store.shown(conn, campaign_id)
    if campaign is None:
        raise NotFound("There is no such message in the archive.")
    inputs = SqlLedger(ctx.db).compose_inputs({campaign_id})[campaign_id]
    if inputs.mailing_list.slug != slug:
        raise NotFound("There is no such message in the archive.")
    brand = Brand.from_settings(ctx.settings)
    if campaign.kind is CampaignKind.BRIEFING:
        if inputs.edition is None:
            raise NotFound("There is no such message in the archive.")
        _, html = render_briefing(
            inputs.edition,
            None,
            subject=campaign.subject,
            list_name=inputs.mailing_list.name,
            brand=brand,
            web=True,
        )
        return html
    _, html = render_campaign(
        campaign, inputs.mailing_list, brand=brand, report=inputs.report, web=True
    )
    return html


def withdraw(ctx: Context, campaign_id: int, *, editor: Editor, reason: str) -> bool:
    """Take a sent message out of the archive (a correction), audited; False if it
    already was. Raises InvalidInput without a reason, NotFound for no sent message."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Say why the message is withdrawn: the audit log keeps it.")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason can be at most {MAX_REASON} characters.")
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        if archive_store.shown(conn, campaign_id) is None and not archive_store.is_withdrawn(
            conn, campaign_id
        ):
            raise NotFound("There is no such sent message.")
        done = archive_store.withdraw(conn, campaign_id, by=editor.id, reason=reason, now=now)
        if done:
            audit.record(
                conn,
                actor=editor.email,
                action="archive.withdraw",
                now=now,
                target_type="campaign",
                target_id=campaign_id,
                detail={"reason": reason},
            )
    return done


def withdrawn_since(ctx: Context, since: datetime | None) -> set[int]:
    """Messages withdrawn after `since`: what another process's cache must drop."""
    with ctx.db.reading() as conn:
        return archive_store.withdrawn_since(conn, since)
