"""A campaign's report: what the ledger says was delivered, and what came back afterwards."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from bulletin.domain.errors import NotFound
from bulletin.domain.models import Campaign, CampaignCounts
from bulletin.domain.reputation import ComplaintRate
from bulletin.services.context import Context
from bulletin.store import campaigns
from bulletin.store.ledger.counts import campaign_counts
from bulletin.store.readers import events as event_store
from bulletin.store.readers.events import EventKind

MAX_BARS = 240  # beyond four hours of minutes, bars cover several minutes each


@dataclass(frozen=True)
class Bucket:
    start: datetime
    sent: int


@dataclass(frozen=True)
class CampaignReport:
    """Delivered and failed come from the ledger; bounces, complaints and unsubscribes
    from the events that came back. Bulletin adds no tracking pixel, so there are no
    opens; clicks, when the newsroom counts them, are `services.campaigns.clicks`'."""

    campaign: Campaign
    counts: CampaignCounts
    events: dict[EventKind, int]
    buckets: list[Bucket]
    minutes_per_bucket: int
    tracking: bool = False

    @property
    def delivered(self) -> int:
        """Accepted by a relay and not bounced back since."""
        return max(self.counts.sent - self.events[EventKind.BOUNCE], 0)

    @property
    def complaint_rate(self) -> ComplaintRate:
        """Complaints over delivered, against the 0.1 % and 0.3 % lines of Gmail and Yahoo."""
        return ComplaintRate(self.events[EventKind.COMPLAINT], self.delivered)


def campaign_report(ctx: Context, campaign_id: int) -> CampaignReport:
    with ctx.db.transaction() as conn:
        campaign = campaigns.get(conn, campaign_id)
        if campaign is None:
            raise NotFound(f"There is no campaign {campaign_id}.")
        counts = campaign_counts(conn, campaign_id)
        events = event_store.counts(conn, campaign_id)
        per_minute = event_store.sent_per_minute(conn, campaign_id)
    buckets, width = bucketed(per_minute)
    return CampaignReport(campaign, counts, events, buckets, width)


def bucketed(per_minute: list[tuple[int, int]]) -> tuple[list[Bucket], int]:
    """Minutes (with the empty ones filled in) grouped into at most MAX_BARS bars."""
    if not per_minute:
        return [], 1
    first, last = per_minute[0][0], per_minute[-1][0]
    width = max(1, math.ceil((last - first + 1) / MAX_BARS))
    totals = [0] * ((last - first) // width + 1)
    for minute, count in per_minute:
        totals[(minute - first) // width] += count
    return [
        Bucket(datetime.fromtimestamp((first + i * width) * 60, tz=UTC), total)
        for i, total in enumerate(totals)
    ], width
