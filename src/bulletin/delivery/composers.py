"""Each sending campaign's message, built once and kept while the campaign sends.

An alert or special report has one message per campaign; a briefing has one per topic
segment, re-dated every quarter hour as its readers' mornings come round; an alert
racing subjects has one per subject, and one more for the rest (the winner's). The engine
fills each reader's values into these (`CampaignMessages.envelope`), so a campaign of
a million readers is rendered a handful of times, not a million.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from bulletin.delivery.ledger import Ledger
from bulletin.domain.ledger import CampaignInputs, DueDelivery
from bulletin.domain.models import CampaignKind
from bulletin.mail.briefing import render_briefing
from bulletin.mail.clicks import ClickLinks
from bulletin.mail.compose import CampaignMessages, Links
from bulletin.mail.tokens import Tokens

# (campaign, segment or -1, quarter hour or 0, subject test variant or -1)
ComposerKey = tuple[int, int, int, int]
THE_REST = -1


def composer_key(row: DueDelivery, now: datetime) -> ComposerKey:
    """(campaign, segment, quarter hour, variant) for briefing rows; (campaign, -1, 0,
    variant) for the rest; variant -1 for a row without a subject of its own."""
    variant = THE_REST if row.variant is None else row.variant
    if row.segment is None:
        return (row.campaign_id, -1, 0, variant)
    return (row.campaign_id, row.segment, int(now.timestamp()) // 900, variant)


class Composers:
    def __init__(self, links: Links, tokens: Tokens, *, count_clicks: bool = False) -> None:
        """`count_clicks`: story links go through `/r/…` (BULLETIN_CLICK_TRACKING)."""
        self._links = links
        self._tokens = tokens
        self._count_clicks = count_clicks
        # Read directly by the engine's per-reader loop: a plain dict lookup per message.
        self.built: dict[ComposerKey, CampaignMessages] = {}

    @property
    def campaigns(self) -> set[int]:
        """The campaigns whose message is held built."""
        return {key[0] for key in self.built}

    def forget_all_but(self, sending: Iterable[int]) -> None:
        """A worker runs for months: the messages of campaigns no longer sending (sent,
        cancelled, paused) go. One that resumes is built again, to the same bytes."""
        live = set(sending)
        for key in [key for key in self.built if key[0] not in live]:
            del self.built[key]

    def prepare(self, ledger: Ledger, keys: set[ComposerKey], now: datetime) -> None:
        """Build the messages these keys need that are not built yet."""
        missing = keys - self.built.keys()
        if not missing:
            return
        found = ledger.compose_inputs({key[0] for key in missing})
        for key in missing:
            clicks = self._clicks(ledger, key[0]) if self._count_clicks else None
            inputs = _with_subject(ledger, found[key[0]], key[3], now)
            self.built[key] = self._compose(inputs, key, now, clicks)

    def _clicks(self, ledger: Ledger, campaign_id: int) -> ClickLinks:
        links, tokens = self._links, self._tokens
        return ClickLinks(
            base_url=links.base_url,
            positions=lambda urls: ledger.link_positions(campaign_id, urls),
            sign=lambda position: tokens.click(campaign_id, position),
            own=(links.privacy_url,) if links.privacy_url else (),
        )

    def _compose(
        self, inputs: CampaignInputs, key: ComposerKey, now: datetime, clicks: ClickLinks | None
    ) -> CampaignMessages:
        campaign = inputs.campaign
        _, segment, bucket, _ = key
        rendered = None
        if campaign.kind is CampaignKind.BRIEFING:
            assert inputs.edition is not None, f"briefing campaign {campaign.id} has no edition"
            rendered = render_briefing(
                inputs.edition,
                segment,
                subject=campaign.subject,
                list_name=inputs.mailing_list.name,
                brand=self._links.brand,
                view_url=self._links.view_url(inputs.mailing_list.slug, campaign.id),
            )
            stale = [k for k in self.built if k[:2] == key[:2] and k[3] == key[3] and k[2] < bucket]
            for old in stale:
                del self.built[old]
        return CampaignMessages(
            campaign,
            inputs.mailing_list,
            links=self._links,
            tokens=self._tokens,
            date=now if segment >= 0 else campaign.started_at or now,
            rendered=rendered,
            thread=inputs.thread,
            report=inputs.report,
            clicks=clicks,
        )


def _with_subject(
    ledger: Ledger, inputs: CampaignInputs, variant: int, now: datetime
) -> CampaignInputs:
    """The inputs with the subject this key's readers get: their own in a subject test,
    the winner's for the rest (decided here if it is time and no one has yet)."""
    if not inputs.subjects:
        return inputs
    if variant == THE_REST:
        variant = ledger.subject_winner(inputs.campaign.id, now)
    subject = inputs.subjects[min(variant, len(inputs.subjects) - 1)]
    return replace(inputs, campaign=replace(inputs.campaign, subject=subject))
