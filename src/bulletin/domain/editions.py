"""A morning-briefing edition: its states, its words, and the segments readers fall into."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bulletin.domain.ranking import DEFAULT_SIZE, Item
from bulletin.domain.schedule import DEFAULT_EXPIRY
from bulletin.domain.subject_tests import SubjectTest
from bulletin.domain.topics import TOPICS

GREETING = "Good morning. Here are the stories we're following today:"
SIGN_OFF = "That's the briefing for today. Thanks for reading."
MAX_ITEMS = 10


class EditionStatus(enum.StrEnum):
    """draft → (held ⇄ draft) → approved → sending → sent; or skipped (nothing qualified).

    `approved` means the ledger is being written; `sending` that every reader's row is in.
    """

    DRAFT = "draft"
    HELD = "held"
    APPROVED = "approved"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"

    @property
    def editable(self) -> bool:
        return self in (EditionStatus.DRAFT, EditionStatus.HELD)


@dataclass(frozen=True)
class Edition:
    id: int
    edition_date: date
    status: EditionStatus
    greeting: str
    sign_off: str
    items: tuple[Item, ...]
    reserve: tuple[Item, ...] = ()
    skip_reason: str | None = None
    campaign_id: int | None = None
    approved_by: str | None = None
    held_by: str | None = None
    assembled_at: datetime | None = None
    updated_at: datetime | None = None
    approved_at: datetime | None = None
    first_send_at: datetime | None = None
    last_expiry_at: datetime | None = None
    segments: int = field(default=1, compare=False)
    # Other subjects raced against the edition's own (`briefing_subject`, which goes
    # first when its campaign is made) on a share of its earliest readers.
    subject_test: SubjectTest | None = None

    def reopenable(self, now: datetime) -> bool:
        """Skipped for want of stories, and still early enough for a reader to get it."""
        early = self.last_expiry_at is None or now < self.last_expiry_at
        return self.status is EditionStatus.SKIPPED and early


# Segments: a reader's topic set as a bit mask (bit n = the n-th topic of TOPICS), so the
# ledger can carry it as one integer and a campaign renders once per distinct mask.
TOPIC_BITS: dict[str, int] = {slug: 1 << n for n, slug in enumerate(TOPICS)}


def topics_of(segment: int | None) -> frozenset[str]:
    return frozenset(slug for slug, bit in TOPIC_BITS.items() if (segment or 0) & bit)


@dataclass(frozen=True)
class Rules:
    """How the newsroom runs its briefing (from settings)."""

    default_zone: str = "UTC"
    expiry: time = DEFAULT_EXPIRY
    holidays: frozenset[date] = frozenset()
    size: int = DEFAULT_SIZE
    assemble_before: timedelta = timedelta(hours=2)
    approve_before: timedelta = timedelta(minutes=30)


# Mobile clients show about 40 characters of a subject and desktop ones about 70: the
# briefing's is its day and lead headline, cut at a word to fit the wider.
MAX_SUBJECT = 70


def briefing_subject(edition: Edition) -> str:
    """'Morning Briefing, Tue Nov 24: Levee holds as crews work...' (at most MAX_SUBJECT)."""
    day = edition.edition_date
    subject = f"Morning Briefing, {day:%a} {day:%b} {day.day}: {edition.items[0].headline}"
    if len(subject) <= MAX_SUBJECT:
        return subject
    return subject[: MAX_SUBJECT - 3].rsplit(" ", 1)[0].rstrip(",;:") + "..."
