"""Stories as Bulletin keeps them, and the rules that decide what an editor may do with one."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TypedDict


class Format(enum.StrEnum):
    """The story formats Bulletin reads; AUTO: tell from the document itself."""

    AUTO = "auto"
    TEXT = "text"
    RSS = "rss"
    ATOM = "atom"
    NINJS = "ninjs"
    HTML = "html"


FLASH = 1
BULLETIN = 2
ALERT_URGENCY = BULLETIN  # IPTC urgency 1 (flash) and 2 (bulletin) are alert-worthy
MIN_URGENCY, MAX_URGENCY = 1, 9


class PubStatus(enum.StrEnum):
    """IPTC publishing status: only `usable` stories may reach readers."""

    USABLE = "usable"
    WITHHELD = "withheld"
    CANCELED = "canceled"


class Outcome(enum.StrEnum):
    """What ingesting one item did to the store."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True)
class Image:
    url: str | None
    caption: str | None
    credit: str | None


@dataclass(frozen=True)
class Story:
    """One story as parsed from a source, before Bulletin has stored it.

    `body_html` is always sanitised; `lead` is the first paragraph without its
    dateline. A missing headline stays missing (`needs_headline`): we never invent one.
    """

    source: str
    source_id: str | None = None
    headline: str | None = None
    summary: str | None = None
    byline_people: tuple[str, ...] = ()
    byline_agencies: tuple[str, ...] = ()
    dateline: str | None = None
    lead: str | None = None
    paragraphs: tuple[str, ...] = ()
    body_html: str = ""
    images: tuple[Image, ...] = ()
    contributors: tuple[str, ...] = ()
    published_at: datetime | None = None
    updated_at: datetime | None = None
    section: str | None = None
    topics: tuple[str, ...] = ()
    urgency: int | None = None
    pubstatus: PubStatus = PubStatus.USABLE
    embargoed_until: datetime | None = None
    breaking: bool = False
    url: str | None = None
    language: str | None = None

    @property
    def needs_headline(self) -> bool:
        return not (self.headline or "").strip()

    @property
    def body_text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def identity(self) -> str | None:
        """The key that says two items are the same story, across sources where possible.

        URIs, URNs and URLs (anything with a scheme) are globally unique by their
        specifications (ninjs `uri`, Atom `id`, permalink GUIDs); a bare id is only
        unique within its source.
        """
        if not self.source_id:
            return None
        if ":" in self.source_id:
            return self.source_id
        return f"{self.source}#{self.source_id}"

    def content_hash(self) -> str:
        """A digest of what a reader would see; equal hashes mean nothing changed."""
        data = asdict(self)
        for volatile in ("source", "source_id"):
            data.pop(volatile)
        text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


class TextEdits(TypedDict, total=False):
    """What an editor may rewrite in a story: `dataclasses.replace(story, **edits)`."""

    headline: str | None
    summary: str | None
    url: str | None


@dataclass(frozen=True)
class StoredStory:
    """A story with the identity Bulletin gave it."""

    id: int
    story: Story
    version: int
    cluster_id: int | None
    content_hash: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ItemFailure:
    """An item that could not be ingested, with a message naming where it came from."""

    source: str
    item: str | None
    error: str

    def __str__(self) -> str:
        where = f"{self.source}, {self.item}" if self.item else self.source
        return f"{where}: {self.error}"


@dataclass(frozen=True)
class Feed:
    id: int
    url: str
    format: str
    poll_interval_s: int
    auto_send: bool = False
    active: bool = True
    etag: str | None = None
    last_modified: str | None = None
    next_poll_at: datetime | None = None
    failures: int = 0
    last_status: str | None = None


def clamp_urgency(value: object) -> int | None:
    """An IPTC urgency (1 most urgent … 9), or None for anything that is not one."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if MIN_URGENCY <= number <= MAX_URGENCY else None


def is_embargoed(story: Story, now: datetime) -> bool:
    return story.embargoed_until is not None and story.embargoed_until > now


def is_publishable(story: Story, now: datetime) -> bool:
    """May go to readers (alerts, the briefing): has a headline, usable, not embargoed."""
    return (
        not story.needs_headline
        and story.pubstatus is PubStatus.USABLE
        and not is_embargoed(story, now)
    )


def alert_reason(story: Story, now: datetime) -> str | None:
    """Why this story should be proposed as a breaking alert, or None if it should not."""
    if not is_publishable(story, now):
        return None
    if story.urgency is not None and story.urgency <= ALERT_URGENCY:
        return "flash" if story.urgency == FLASH else "bulletin"
    return "breaking" if story.breaking else None
