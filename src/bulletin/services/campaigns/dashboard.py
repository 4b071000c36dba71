"""What the editor's desk shows: list counts, recent campaigns, caught mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bulletin.domain.models import Campaign, CampaignCounts, MailingList, SubscriptionStatus
from bulletin.domain.reputation import ComplaintRate
from bulletin.mail import catcher
from bulletin.services.context import Context
from bulletin.store import audit, campaigns
from bulletin.store import lists as list_store
from bulletin.store.ledger.counts import campaign_counts
from bulletin.store.readers import events as event_store
from bulletin.store.readers import subscribers as subscriber_store


@dataclass(frozen=True)
class ListSummary:
    mailing_list: MailingList
    confirmed: int
    pending: int
    unsubscribed: int


@dataclass(frozen=True)
class CampaignSummary:
    campaign: Campaign
    counts: CampaignCounts


def list_summaries(ctx: Context) -> list[ListSummary]:
    with ctx.db.transaction() as conn:
        counts = subscriber_store.counts_by_list(conn)
        return [
            ListSummary(
                mailing_list=ml,
                confirmed=counts.get(ml.id, {}).get(SubscriptionStatus.CONFIRMED, 0),
                pending=counts.get(ml.id, {}).get(SubscriptionStatus.PENDING, 0),
                unsubscribed=counts.get(ml.id, {}).get(SubscriptionStatus.UNSUBSCRIBED, 0),
            )
            for ml in list_store.all_lists(conn)
        ]


def recent_campaigns(ctx: Context, limit: int = 10) -> list[CampaignSummary]:
    with ctx.db.transaction() as conn:
        return [
            CampaignSummary(campaign=c, counts=campaign_counts(conn, c.id))
            for c in campaigns.recent(conn, limit)
        ]


def complaint_rate_last_day(ctx: Context) -> ComplaintRate:
    """Complaints over delivered for every send started in the last 24 hours."""
    since = ctx.clock() - timedelta(hours=24)
    with ctx.db.reading() as conn:
        rates = event_store.complaint_rates(conn, campaigns.started_since(conn, since))
    return ComplaintRate(
        sum(r.complaints for r in rates.values()), sum(r.delivered for r in rates.values())
    )


@dataclass(frozen=True)
class SenderProblem:
    campaign: Campaign
    refused: int


def sender_problems(ctx: Context) -> list[SenderProblem]:
    """Sends of the last 24 hours that receivers refused for the newsroom's own reasons."""
    since = ctx.clock() - timedelta(hours=24)
    with ctx.db.reading() as conn:
        ids = campaigns.started_since(conn, since)
        refused = event_store.by_campaign(conn, ids, event_store.EventKind.SENDER)
        found = campaigns.get_many(conn, set(refused))
    return [SenderProblem(found[c], n) for c, n in sorted(refused.items()) if c in found]


AUDIT_PAGE = 50


def audit_entries(ctx: Context, *, before: int | None = None) -> list[dict[str, Any]]:
    """One page of the audit log, newest first; pass the last id seen as `before` for more."""
    with ctx.db.transaction() as conn:
        return audit.page(conn, before=before, limit=AUDIT_PAGE)


def all_lists(ctx: Context) -> list[MailingList]:
    with ctx.db.transaction() as conn:
        return list_store.all_lists(conn)


def caught_mail(ctx: Context, limit: int = 200) -> list[catcher.CaughtMessage]:
    return catcher.caught(ctx.settings.catcher_dir, limit=limit)


def caught_message(ctx: Context, key: str) -> catcher.CaughtMessage | None:
    return catcher.caught_one(ctx.settings.catcher_dir, key)
