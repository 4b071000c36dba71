"""Request and response bodies of the special-report endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from bulletin.domain.reports import Picture, ReportContent, Section
from bulletin.services.special_reports.scheduling import ReportView
from bulletin.web.ids import RowId


class PictureIn(BaseModel):
    url: str
    caption: str = ""
    credit: str = ""

    def domain(self) -> Picture:
        return Picture(self.url, self.caption, self.credit)


class SectionIn(BaseModel):
    heading: str = ""
    body_html: str = Field(description="HTML; anything but text structure and links is removed.")
    image: PictureIn | None = None


class SpecialReportCreate(BaseModel):
    headline: str = Field(examples=["A year after the flood"])
    subject: str = ""
    dek: str = ""
    hero: PictureIn | None = None
    sections: list[SectionIn]
    cta_url: str = ""
    cta_label: str = ""
    story_id: RowId | None = None
    at: str | None = Field(
        default=None,
        description="Schedule it: 'YYYY-MM-DD HH:MM' in the newsroom's time zone. "
        "Without it the report is saved as a draft.",
        examples=["2026-12-01 07:30"],
    )

    def content(self) -> ReportContent:
        return ReportContent(
            headline=self.headline,
            subject=self.subject,
            dek=self.dek,
            hero=self.hero.domain() if self.hero else None,
            sections=tuple(
                Section(s.heading, s.body_html, s.image.domain() if s.image else None)
                for s in self.sections
            ),
            cta_url=self.cta_url,
            cta_label=self.cta_label,
            story_id=self.story_id,
        )


class ScheduleIn(BaseModel):
    at: str = Field(description="'YYYY-MM-DD HH:MM', newsroom time.", examples=["2026-12-01 07:30"])


class SpecialReportPublic(BaseModel):
    id: int
    status: str = Field(
        description="draft, scheduled or cancelled; once started, its campaign's status "
        "(sending, paused, sent, cancelled)."
    )
    headline: str
    subject: str
    scheduled_at: datetime | None
    newsroom_time: str | None = Field(description="The send time on the newsroom's clock.")
    campaign_id: int | None = Field(description="Follow delivery at /api/v1/alerts/{id}.")

    @classmethod
    def of(cls, view: ReportView) -> SpecialReportPublic:
        report = view.report
        return cls(
            id=report.id,
            status=view.status,
            headline=report.content.headline,
            subject=report.content.subject,
            scheduled_at=report.scheduled_at,
            newsroom_time=view.scheduled_local,
            campaign_id=report.campaign_id,
        )
