"""Request and response bodies of the REST API (XCreate / XPublic)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from bulletin.services.readers.lookup import ReaderSummary
from bulletin.services.readers.rights import Erasure
from bulletin.services.readers.transfer import ImportReport


class SubscriberPublic(BaseModel):
    id: int
    email: str
    created_at: datetime
    confirmed_at: datetime | None
    time_zone: str | None
    briefing_time: str = Field(description="Local time of the weekday briefing, HH:MM.")
    topics: list[str]
    lists: dict[str, str] = Field(description="List slug → pending, confirmed or unsubscribed.")

    @classmethod
    def of(cls, reader: ReaderSummary) -> SubscriberPublic:
        s = reader.subscriber
        return cls(
            id=s.id,
            email=s.email,
            created_at=s.created_at,
            confirmed_at=s.confirmed_at,
            time_zone=s.time_zone,
            briefing_time=s.briefing_time,
            topics=reader.topics,
            lists=reader.lists,
        )


class SubscriberPage(BaseModel):
    items: list[SubscriberPublic]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null at the end."
    )


class ErasurePublic(BaseModel):
    """What erasing a reader did. Their personal data is gone; the ledger keeps counting."""

    subscriber_id: int
    ledger_rows: int = Field(description="Ledger rows that no longer name the reader.")
    cancelled: int = Field(description="Of those, still queued and now cancelled.")
    events: int = Field(description="Returned-mail and unsubscribe events anonymised.")
    suppression_kept: bool = Field(
        description="The address stays suppressed (as a keyed hash): it bounced or complained."
    )

    @classmethod
    def of(cls, erased: Erasure) -> ErasurePublic:
        return cls(
            subscriber_id=erased.subscriber_id,
            ledger_rows=erased.ledger_rows,
            cancelled=erased.cancelled,
            events=erased.events,
            suppression_kept=erased.suppressed,
        )


class RowNotePublic(BaseModel):
    line: int
    email: str
    message: str


class ImportReportPublic(BaseModel):
    imported: bool = Field(description="False if any row had a problem: then nothing was imported.")
    rows: int
    added: int
    unchanged: int
    errors: list[RowNotePublic]
    skipped: list[RowNotePublic]

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportPublic:
        return cls(
            imported=report.imported,
            rows=report.rows,
            added=report.added,
            unchanged=report.unchanged,
            errors=[RowNotePublic(**vars(n)) for n in report.errors],
            skipped=[RowNotePublic(**vars(n)) for n in report.skipped],
        )


class SubjectTestCreate(BaseModel):
    subjects: list[str] = Field(
        description="One or two more subjects to race against the alert's own (which is "
        "the first, and the fallback).",
        examples=[["Hurricane ashore: evacuations continue"]],
    )
    share_percent: int = Field(default=10, description="Readers in the race, 2 to 50 %.")
    minutes: int = Field(default=5, description="How long it runs, 3 to 120 minutes.")


class AlertCreate(BaseModel):
    headline: str = Field(examples=["Storm makes landfall"])
    summary: str = Field(examples=["The hurricane came ashore at dawn. Evacuations continue."])
    url: str = Field(examples=["https://news.example.com/storm"])
    subject: str | None = None
    subject_test: SubjectTestCreate | None = Field(
        default=None,
        description="Race other subjects on a share of the readers; the one with the most "
        "unique clickers goes to the rest (needs click counts on).",
    )


class AlertPublic(BaseModel):
    campaign_id: int
    recipients: int | None = Field(
        description="Readers the alert goes to; null if they could not be counted once it was"
        " sent (status_url gives the exact count from the ledger)."
    )
    status_url: str
    awaiting_approval: bool = Field(
        default=False, description="Held for a second editor's approval on the desk."
    )


class AlertStatus(BaseModel):
    campaign_id: int
    done: bool = Field(description="True once nothing is left to send.")
    counts: dict[str, int] = Field(
        description="Ledger rows by delivery status (queued, sent, failed…) and their total."
    )


class Problem(BaseModel):
    detail: str


class CampaignProgress(BaseModel):
    id: int
    status: str = Field(description="draft, sending, paused, sent, cancelled…")
    reason: str | None = Field(description="Why it is paused or cancelled, if it is.")
    subject: str
    fanout_done: bool = Field(description="True once every reader has a row in the ledger.")
    total: int
    queued: int
    sending: int
    sent: int
    failed: int
    expired: int
    cancelled: int
    rate_per_s: float = Field(description="Messages accepted per second over the last 10 s.")
    eta_s: float | None = Field(description="Seconds left at that rate; null when not sending.")


class CancelResult(CampaignProgress):
    not_sent: int = Field(description="Messages this cancel stopped from going out.")


class StoryCreate(BaseModel):
    headline: str = Field(examples=["Dam breach floods the lower valley"])
    body: str = Field(description="Plain text; paragraphs separated by blank lines.")
    summary: str | None = Field(default=None, description="The dek: one or two sentences.")
    url: str | None = Field(default=None, examples=["https://news.example.com/dam"])
    section: str | None = Field(default=None, examples=["Politics"])
    topics: list[str] = []
    byline: list[str] = Field(default=[], description="The people who wrote it.")
    urgency: int | None = Field(default=None, description="IPTC urgency, 1 (flash) to 9.")
    source_id: str | None = Field(
        default=None, description="Your system's id for it: sending it again updates it."
    )


class StoryIngest(BaseModel):
    url: str | None = Field(default=None, description="An http(s) address to fetch.")
    content: str | None = Field(default=None, description="The document itself.")
    format: str = Field(default="auto", description="auto, text, rss, atom, ninjs or html.")


class StoryListItem(BaseModel):
    id: int
    headline: str | None
    summary: str
    source: str | None
    section: str | None
    needs_headline: bool
    version: int
    created_at: datetime
    published_at: datetime | None


class StoryPage(BaseModel):
    items: list[StoryListItem]
    next_before: int | None = Field(
        description="Pass as `before` for older stories; null at the end."
    )
