"""The nouns of Bulletin as plain dataclasses and enums."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from bulletin.domain.subject_tests import SubjectTest


class ListKind(enum.StrEnum):
    ALERT = "alert"
    SPECIAL = "special"
    BRIEFING = "briefing"


class SubscriptionStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class CampaignKind(enum.StrEnum):
    ALERT = "alert"
    SPECIAL = "special"
    BRIEFING = "briefing"


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    # An alert proposed by one editor, waiting for a second editor's approval.
    AWAITING_APPROVAL = "awaiting_approval"
    SENDING = "sending"
    SENT = "sent"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Role(enum.StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"

    @property
    def can_send(self) -> bool:
        return self in (Role.ADMIN, Role.EDITOR)


class ConsentAction(enum.StrEnum):
    SIGN_UP = "sign_up"
    CONFIRM = "confirm"
    UNSUBSCRIBE = "unsubscribe"
    # Joined from the preference centre: the signed link proves the address, so no
    # second confirmation is needed.
    JOIN = "join"
    # A change of topics, time zone or briefing time.
    UPDATE = "update"
    # Added by staff from a file, on their word that the reader agreed elsewhere.
    IMPORT = "import"


@dataclass(frozen=True)
class MailingList:
    id: int
    slug: str
    name: str
    description: str
    kind: ListKind


DEFAULT_BRIEFING_TIME = "06:00"


@dataclass(frozen=True)
class Subscriber:
    id: int
    email: str
    created_at: datetime
    confirmed_at: datetime | None = None
    time_zone: str | None = None
    briefing_time: str = DEFAULT_BRIEFING_TIME


@dataclass(frozen=True)
class AlertDraft:
    """What an editor writes to fire a breaking alert."""

    headline: str
    summary: str
    url: str
    subject: str | None = None
    # The story it was written from, and the alert it follows up ("Send update").
    story_id: int | None = None
    parent_id: int | None = None
    # Other subjects raced against `subject` on a share of the readers (subject_tests).
    test: SubjectTest | None = None


@dataclass(frozen=True)
class Campaign:
    id: int
    kind: CampaignKind
    list_id: int
    status: CampaignStatus
    subject: str
    headline: str
    summary: str
    url: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = None
    fanout_done: bool = True
    status_reason: str | None = None
    parent_id: int | None = None
    story_id: int | None = None
    created_by: int | None = None
    approved_by: int | None = None
    approved_at: datetime | None = None
    message_salt: str | None = None  # in its Message-IDs (see mail.compose.reader_message_id)

    @property
    def sent_as(self) -> SentAs:
        return SentAs(self.id, self.message_salt)


class SentAs(NamedTuple):
    """What a campaign's Message-IDs are made from, besides the reader: a follow-up names
    the messages of its thread by these."""

    campaign_id: int
    message_salt: str | None = None


@dataclass(frozen=True)
class Editor:
    id: int
    email: str
    name: str
    role: Role
    active: bool = True


@dataclass(frozen=True)
class CampaignCounts:
    """How far a campaign's delivery has got, counted from the ledger."""

    queued: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    expired: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.open + self.done

    @property
    def open(self) -> int:
        """Rows still to be sent or being sent."""
        return self.queued + self.sending

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.expired + self.cancelled


@dataclass(frozen=True)
class SignUpResult:
    subscriber_id: int
    email: str
    lists: tuple[str, ...]
    confirmation_queued: bool
    already_confirmed: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ApiKey:
    """A key for the REST API. Only its SHA-256 is stored; `prefix` identifies it to people."""

    id: int
    name: str
    prefix: str
    role: Role
    created_at: datetime
    created_by: int | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
