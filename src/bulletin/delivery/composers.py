"""Each sending campaign's message, built once and kept while the campaign sends.

An alert or special report has one message per campaign; a briefing has one per topic
segment, re-dated every quarter hour as its readers' mornings come round. The engine
fills each reader's values into these (`CampaignMessages.envelope`), so a campaign of
a million readers is rendered a handful of times, not a million.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection

from bulletin.domain.models import Campaign, CampaignKind
from bulletin.mail.briefing import render_briefing
from bulletin.mail.compose import CampaignMessages, Links
from bulletin.mail.tokens import Tokens
from bulletin.store import campaigns, deliveries, editions
from bulletin.store import lists as list_store
from bulletin.store import special_reports as report_store

ComposerKey = tuple[int, int, int]  # (campaign, segment or -1, quarter hour or 0)


def composer_key(row: deliveries.DueDelivery, now: datetime) -> ComposerKey:
    """(campaign, segment, quarter hour) for briefing rows; (campaign, -1, 0) for the rest."""
    if row.segment is None:
        return (row.campaign_id, -1, 0)
    return (row.campaign_id, row.segment, int(now.timestamp()) // 900)


class Composers:
    def __init__(self, links: Links, tokens: Tokens) -> None:
        self._links = links
        self._tokens = tokens
        # Read directly by the engine's per-reader loop: a plain dict lookup per message.
        self.built: dict[ComposerKey, CampaignMessages] = {}

    @property
    def campaigns(self) -> set[int]:
        """The campaigns whose message is held built."""
        return {campaign_id for campaign_id, _, _ in self.built}

    def forget_all_but(self, sending: Iterable[int]) -> None:
        """A worker runs for months: the messages of campaigns no longer sending (sent,
        cancelled, paused) go. One that resumes is built again, to the same bytes."""
        live = set(sending)
        for key in [key for key in self.built if key[0] not in live]:
            del self.built[key]

    def prepare(self, conn: Connection, keys: set[ComposerKey], now: datetime) -> None:
        """Build the messages these keys need that are not built yet."""
        missing = keys - self.built.keys()
        if not missing:
            return
        found = campaigns.get_many(conn, {campaign_id for campaign_id, _, _ in missing})
        for key in missing:
            self.built[key] = self._compose(conn, found[key[0]], key, now)

    def _compose(
        self, conn: Connection, campaign: Campaign, key: ComposerKey, now: datetime
    ) -> CampaignMessages:
        campaign_id, segment, bucket = key
        mailing_list = list_store.by_id(conn, campaign.list_id)
        rendered = None
        report = (
            report_store.by_campaign(conn, campaign_id)
            if campaign.kind is CampaignKind.SPECIAL
            else None
        )
        if campaign.kind is CampaignKind.BRIEFING:
            edition = editions.by_campaign(conn, campaign_id)
            assert edition is not None, f"briefing campaign {campaign_id} has no edition"
            rendered = render_briefing(
                edition,
                segment,
                subject=campaign.subject,
                list_name=mailing_list.name,
                newsroom=self._links.newsroom,
            )
            for old in [k for k in self.built if k[:2] == key[:2] and k[2] < bucket]:
                del self.built[old]
        return CampaignMessages(
            campaign,
            mailing_list,
            links=self._links,
            tokens=self._tokens,
            date=now if segment >= 0 else campaign.started_at or now,
            rendered=rendered,
            thread=campaigns.thread_of(conn, campaign),
            report=report.content if report else None,
        )
