"""Special reports: a long-form, designed email scheduled to the `special-reports` list.

A report's life:

    draft ──schedule──► scheduled ──(its time comes)──► sending ──► (its campaign's status)
      │                    │   ▲
      └──────cancel────────┴───┘ re-schedule, edit
                 ▼
             cancelled

Until it starts, a report can be edited, re-scheduled or cancelled. Starting it and
cancelling it are both conditional updates of the report's row, so exactly one of them
wins: a cancelled report never starts, and a started one cannot be "cancelled" behind
the engine's back (its campaign can still be stopped from the campaign page).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from bulletin.domain.addresses import ensure_header_safe
from bulletin.domain.errors import InvalidInput

SPECIAL_REPORTS = "special-reports"
MAX_SUBJECT = 200
MAX_HEADLINE = 200
MAX_DEK = 1000
MAX_HEADING = 200
MAX_BODY = 200_000
MAX_SECTIONS = 30
MAX_CAPTION = 500
MAX_CREDIT = 200
MAX_LABEL = 80
# Links go into the HTML as attribute values on one line: well below the 998-octet limit.
MAX_URL = 800
DEFAULT_CTA_LABEL = "Read the full report"


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"  # handed to the send engine; its campaign tells the rest
    CANCELLED = "cancelled"

    @property
    def changeable(self) -> bool:
        return self in (ReportStatus.DRAFT, ReportStatus.SCHEDULED)


@dataclass(frozen=True)
class Picture:
    url: str
    caption: str = ""
    credit: str = ""


@dataclass(frozen=True)
class Section:
    heading: str
    body_html: str
    image: Picture | None = None


@dataclass(frozen=True)
class ReportContent:
    """What an editor writes. `body_html` of each section is sanitised before it is kept."""

    headline: str
    subject: str = ""
    dek: str = ""
    hero: Picture | None = None
    sections: tuple[Section, ...] = ()
    cta_url: str = ""
    cta_label: str = ""
    story_id: int | None = None


@dataclass(frozen=True)
class SpecialReport:
    id: int
    content: ReportContent
    status: ReportStatus
    created_at: datetime
    updated_at: datetime
    scheduled_at: datetime | None = None
    campaign_id: int | None = None
    created_by: int | None = None

    @property
    def changeable(self) -> bool:
        return self.status.changeable


def validate_content(content: ReportContent) -> ReportContent:
    """The content tidied (whitespace trimmed, subject and label defaulted), or InvalidInput."""
    headline = _line(content.headline, "headline", MAX_HEADLINE, header=True)
    if not headline:
        raise InvalidInput("A special report needs a headline.")
    subject = _line(content.subject, "subject", MAX_SUBJECT, header=True) or headline
    dek = " ".join(content.dek.split())
    if len(dek) > MAX_DEK:
        raise InvalidInput(f"Keep the dek (standfirst) under {MAX_DEK} characters.")
    sections = tuple(_section(s, n) for n, s in enumerate(content.sections, start=1))
    if not sections:
        raise InvalidInput("A special report needs at least one section with some text.")
    if len(sections) > MAX_SECTIONS:
        raise InvalidInput(f"A special report can have at most {MAX_SECTIONS} sections.")
    cta_url = _url(content.cta_url, "call-to-action link") if content.cta_url.strip() else ""
    label = _line(content.cta_label, "button label", MAX_LABEL)
    return replace(
        content,
        headline=headline,
        subject=subject,
        dek=dek,
        hero=_picture(content.hero, "hero image"),
        sections=sections,
        cta_url=cta_url,
        cta_label=(label or DEFAULT_CTA_LABEL) if cta_url else "",
    )


def _section(section: Section, number: int) -> Section:
    heading = _line(section.heading, f"heading of section {number}", MAX_HEADING)
    if not section.body_html.strip():
        raise InvalidInput(f"Section {number} has no text.")
    if len(section.body_html) > MAX_BODY:
        raise InvalidInput(f"Section {number} is too long (at most {MAX_BODY:,} characters).")
    return Section(
        heading=heading,
        body_html=section.body_html.strip(),
        image=_picture(section.image, f"image of section {number}"),
    )


def _picture(picture: Picture | None, what: str) -> Picture | None:
    if picture is None or not picture.url.strip():
        if picture is not None and (picture.caption.strip() or picture.credit.strip()):
            raise InvalidInput(f"The {what} has a caption or credit but no image address.")
        return None
    return Picture(
        url=_url(picture.url, what),
        caption=_line(picture.caption, f"caption of the {what}", MAX_CAPTION),
        credit=_line(picture.credit, f"credit of the {what}", MAX_CREDIT),
    )


def _line(value: str, what: str, limit: int, *, header: bool = False) -> str:
    """One line of text, spaces squeezed; line breaks refused in what goes into headers."""
    if header:
        ensure_header_safe(value.strip(), field=what)
    text = " ".join(value.split())
    if len(text) > limit:
        raise InvalidInput(f"Keep the {what} under {limit} characters.")
    return text


def _url(value: str, what: str) -> str:
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"The {what} must be a full web address starting with https://.")
    if len(url) > MAX_URL or any(ch.isspace() or ch in "<>\"'" for ch in url):
        raise InvalidInput(
            f"The {what} must be a single web address, without spaces or quotes,"
            f" under {MAX_URL} characters."
        )
    return url
