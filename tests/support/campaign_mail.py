"""A real campaign's messages for relay tests: the composer the engine uses, no database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bulletin.domain.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    ListKind,
    MailingList,
    SentAs,
)
from bulletin.mail.compose import CampaignMessages, Links
from bulletin.mail.tokens import Tokens
from bulletin.mail.transports import Envelope
from tests.support.factories import SECRET, FakeClock

SENT_AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
LINKS = Links(
    base_url="https://bulletin.example.com",
    domain="news.example.com",
    sender="The Daily Example <alerts@news.example.com>",
    newsroom="The Daily Example",
    postal_address="1 Harbour Street, Example City",
)
BREAKING = MailingList(
    id=1, slug="breaking", name="Breaking News Alerts", description="", kind=ListKind("alert")
)


def campaign_messages(campaign_id: int = 7, *, thread: Sequence[int] = ()) -> CampaignMessages:
    """An alert's messages; `thread` names the campaigns it follows up (so each reader's
    In-Reply-To and References are their own too)."""
    campaign = Campaign(
        message_salt=f"{campaign_id:012x}",
        id=campaign_id,
        kind=CampaignKind.ALERT,
        list_id=BREAKING.id,
        status=CampaignStatus.SENDING,
        subject="Harbour fire: 100% of the quay evacuated",
        headline="Harbour fire: 100% of the quay evacuated",
        summary="Crews from three towns fight the blaze — «résultats» to follow.",
        url="https://news.example.com/local/harbour-fire",
        created_at=SENT_AT,
        started_at=SENT_AT,
    )
    return CampaignMessages(
        campaign,
        BREAKING,
        links=LINKS,
        tokens=Tokens(SECRET, clock=FakeClock(SENT_AT)),
        date=SENT_AT,
        thread=tuple(SentAs(c, f"{c:012x}") for c in thread),
    )


def readers_envelopes(messages: CampaignMessages, count: int, *, first: int = 1) -> list[Envelope]:
    """`count` readers' envelopes, subscriber ids from `first` (keys the same)."""
    return [
        messages.envelope(key=n, subscriber_id=n, email=f"reader{n}@readers.example.org")
        for n in range(first, first + count)
    ]
