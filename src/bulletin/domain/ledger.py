"""What the sending engine and the delivery ledger hand each other: plain values, no SQL.

The engine's side of the ledger is `delivery.ledger.Ledger`; `store.ledger.sql` keeps it
in the database and `delivery.memory_ledger` in memory (for fast engine tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from bulletin.domain.editions import Edition
from bulletin.domain.models import Campaign, MailingList, SentAs
from bulletin.domain.reports import ReportContent


class DueDelivery(NamedTuple):
    """One reader's copy of a campaign, claimed to be sent. A named tuple: one per message."""

    id: int
    campaign_id: int
    subscriber_id: int
    email: str
    attempts: int
    still_subscribed: bool
    expires_at: datetime | None = None  # this row's own deadline (briefings)
    segment: int | None = None  # which rendering of the campaign (briefing topic segments)
    variant: int | None = None  # which subject of a subject test (None: the campaign's own)


@dataclass(frozen=True)
class DueConfirmation:
    """A sign-up's confirmation request, claimed to be sent, with the lists it asks about."""

    id: int
    subscriber_id: int
    email: str
    attempts: int
    list_names: tuple[str, ...]


@dataclass(frozen=True)
class Claimed:
    """One claim: the campaigns sending now, and the due rows of theirs leased to us."""

    sending: list[int]
    rows: list[DueDelivery]


@dataclass(frozen=True)
class CampaignInputs:
    """Everything a campaign's message is built from."""

    campaign: Campaign
    mailing_list: MailingList
    thread: tuple[SentAs, ...] = ()  # the campaigns it follows up, oldest first
    edition: Edition | None = None  # a briefing's
    report: ReportContent | None = None  # a special report's
    subjects: tuple[str, ...] = ()  # a subject test's, the campaign's own first


Reply = tuple[int, str]  # (row id, the relay's reply or why not sent)


@dataclass
class LedgerWrites:
    """The outcomes of a group of messages, written to the ledger in one transaction."""

    now: datetime
    sent: list[Reply] = field(default_factory=list)
    failed: list[Reply] = field(default_factory=list)
    expired: list[Reply] = field(default_factory=list)
    cancelled: list[Reply] = field(default_factory=list)
    retry: list[tuple[int, str, datetime]] = field(default_factory=list)
    confirmations_sent: list[Reply] = field(default_factory=list)
    confirmations_failed: list[Reply] = field(default_factory=list)
    confirmations_retry: list[tuple[int, str, datetime]] = field(default_factory=list)
    pause: dict[int, str] = field(default_factory=dict)  # campaign id: why it pauses itself
