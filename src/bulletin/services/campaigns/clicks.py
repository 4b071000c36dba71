"""What the click counts say about a campaign, and about the last alerts side by side.

Clicks come from counted links (`services.clicks`); delivered from the ledger less hard
bounces, as the rest of the report. Click-through is unique clickers (messages that
clicked at least one link, never addresses) over delivered. The briefing's curators see
how the edition before did, item by item (`previous_edition`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from bulletin.domain.models import Campaign, CampaignKind
from bulletin.services.campaigns.reports import Bucket, bucketed
from bulletin.services.context import Context
from bulletin.store import campaigns
from bulletin.store import clicks as store
from bulletin.store.briefing import editions
from bulletin.store.clicks import LinkCount, OpenCount
from bulletin.store.readers import events as event_store

COMPARED = 20  # alerts on the dashboard


def percent(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f} %" if whole else "—"


@dataclass(frozen=True)
class ClickReport:
    links: list[LinkCount]
    unique: int
    delivered: int
    buckets: list[Bucket]  # messages clicking for the first time, per bar
    minutes_per_bucket: int
    opens: OpenCount | None = None  # the open pixel's, when the newsroom counts opens

    @property
    def clicks(self) -> int:
        return sum(link.clicks for link in self.links)

    @property
    def ignored(self) -> int:
        return sum(link.ignored for link in self.links)

    @property
    def click_through(self) -> str:
        return percent(self.unique, self.delivered)


def click_report(conn: Connection, campaign_id: int, *, delivered: int) -> ClickReport:
    links = store.link_counts(conn, campaign_id)
    unique = store.unique_clickers(conn, [campaign_id])[campaign_id]
    buckets, width = bucketed(store.first_clickers_per_minute(conn, campaign_id))
    opens = store.open_count(conn, campaign_id)
    return ClickReport(links, unique, delivered, buckets, width, opens)


def report_for(ctx: Context, campaign_id: int, *, delivered: int) -> ClickReport | None:
    """The campaign's clicks, or None when its links were never counted."""
    with ctx.db.reading() as conn:
        if not store.has_links(conn, campaign_id):
            return None
        return click_report(conn, campaign_id, delivered=delivered)


@dataclass(frozen=True)
class AlertClicks:
    campaign: Campaign
    delivered: int
    unique: int

    @property
    def click_through(self) -> str:
        return percent(self.unique, self.delivered)


def last_alerts(ctx: Context, limit: int = COMPARED) -> list[AlertClicks]:
    """The latest alerts sent, newest first: delivered, unique clickers, click-through."""
    with ctx.db.reading() as conn:
        ids = store.recent_started(conn, CampaignKind.ALERT.value, limit=limit)
        found = campaigns.get_many(conn, set(ids))
        rates = event_store.complaint_rates(conn, ids)
        unique = store.unique_clickers(conn, ids)
    return [AlertClicks(found[c], rates[c].delivered, unique[c]) for c in ids if c in found]


@dataclass(frozen=True)
class ItemClicks:
    headline: str
    url: str
    unique: int
    clicks: int


@dataclass(frozen=True)
class EditionClicks:
    """How the edition before the one being curated did, item by item."""

    edition_date: date
    campaign_id: int
    delivered: int
    unique: int
    items: list[ItemClicks]

    @property
    def click_through(self) -> str:
        return percent(self.unique, self.delivered)


def previous_edition(ctx: Context, day: date) -> EditionClicks | None:
    """The last sent edition before `day` with counted links, or None."""
    with ctx.db.reading() as conn:
        edition = editions.previous(conn, day)
        if edition is None or edition.campaign_id is None:
            return None
        campaign_id = edition.campaign_id
        if not store.has_links(conn, campaign_id):
            return None
        by_url = {link.url: link for link in store.link_counts(conn, campaign_id)}
        delivered = event_store.complaint_rates(conn, [campaign_id])[campaign_id].delivered
        unique = store.unique_clickers(conn, [campaign_id])[campaign_id]
    items = [
        ItemClicks(
            item.headline,
            item.url,
            by_url[item.url].unique if item.url in by_url else 0,
            by_url[item.url].clicks if item.url in by_url else 0,
        )
        for item in edition.items
    ]
    return EditionClicks(edition.edition_date, campaign_id, delivered, unique, items)
