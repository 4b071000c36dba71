"""Special reports: write, schedule in the newsroom's zone, edit, cancel until they start.

The report is kept as content plus a schedule; the scheduler turns it into a campaign
of kind `special` to the `special-reports` list when its time comes (see
`delivery.starts`). Every change is written to the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bulletin.domain import local_time
from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Campaign, Editor
from bulletin.domain.reports import (
    Picture,
    ReportContent,
    ReportStatus,
    Section,
    SpecialReport,
    validate_content,
)
from bulletin.mail.richtext import sanitise, to_text
from bulletin.services.context import Context
from bulletin.services.special_reports.preview import check_renderable
from bulletin.store import audit, campaigns
from bulletin.store import special_reports as store
from bulletin.store.stories import versions as story_store

# An editor typing the current minute means "now", not "a minute ago".
PAST_GRACE = timedelta(minutes=1)
_H2 = re.compile(r"<h2\b[^>]*>(.*?)</h2\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ReportView:
    """A report with what the desk shows beside it: its campaign, its time on the newsroom clock."""

    report: SpecialReport
    campaign: Campaign | None
    scheduled_local: str | None  # "Tue 1 Dec 2026, 07:30 EST"
    scheduled_input: str  # "2026-12-01 07:30", for the form

    @property
    def status(self) -> str:
        """draft, scheduled, cancelled — or, once started, its campaign's status."""
        if self.report.status is ReportStatus.SENDING and self.campaign is not None:
            return self.campaign.status.value
        return self.report.status.value


def newsroom_zone(ctx: Context) -> ZoneInfo:
    return ZoneInfo(ctx.settings.time_zone)


def clean_content(content: ReportContent) -> ReportContent:
    """Section bodies sanitised (nh3), then the whole checked; InvalidInput says what is wrong."""
    sections = tuple(replace(s, body_html=sanitise(s.body_html)) for s in content.sections)
    return validate_content(replace(content, sections=sections))


def create(
    ctx: Context, content: ReportContent, *, actor: Editor | None, at: str | None = None
) -> SpecialReport:
    """Save a new report as a draft; with `at` ('YYYY-MM-DD HH:MM', newsroom time), schedule it."""
    who = _who(actor)
    instant = _instant(ctx, at) if at else None
    content = clean_content(content)
    check_renderable(ctx, content)
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        _check_story(conn, content.story_id)
        report_id = store.insert(conn, content, created_by=actor.id if actor else None, now=now)
        _audit(conn, ctx, who, "special.create", report_id, {"headline": content.headline})
        if instant is not None:
            store.schedule(conn, report_id, at=instant, now=now)
            _audit(conn, ctx, who, "special.schedule", report_id, _when(ctx, instant))
        return _get(conn, report_id)


def update(
    ctx: Context, report_id: int, content: ReportContent, *, actor: Editor | None
) -> SpecialReport:
    who = _who(actor)
    content = clean_content(content)
    check_renderable(ctx, content)
    with ctx.db.transaction() as conn:
        _check_story(conn, content.story_id)
        if not store.update_content(conn, report_id, content, now=ctx.clock()):
            raise _not_changeable(_get(conn, report_id), "edited")
        _audit(conn, ctx, who, "special.edit", report_id, {"headline": content.headline})
        return _get(conn, report_id)


def schedule(ctx: Context, report_id: int, at: str, *, actor: Editor | None) -> SpecialReport:
    """Send at `at`, wall-clock time in the newsroom's zone ('YYYY-MM-DD HH:MM')."""
    who = _who(actor)
    instant = _instant(ctx, at)
    with ctx.db.transaction() as conn:
        _get(conn, report_id)
        if not store.schedule(conn, report_id, at=instant, now=ctx.clock()):
            raise _not_changeable(_get(conn, report_id), "scheduled")
        _audit(conn, ctx, who, "special.schedule", report_id, _when(ctx, instant))
        return _get(conn, report_id)


def cancel(ctx: Context, report_id: int, *, actor: Editor | None) -> SpecialReport:
    """Cancel a report that has not started; refused (InvalidInput) once it has."""
    who = _who(actor)
    with ctx.db.transaction() as conn:
        current = _get(conn, report_id)
        if not store.cancel(conn, report_id, now=ctx.clock()):
            raise _not_changeable(_get(conn, report_id), "cancelled")
        _audit(conn, ctx, who, "special.cancel", report_id, {"was": current.status.value})
        return _get(conn, report_id)


def get(ctx: Context, report_id: int) -> ReportView:
    with ctx.db.transaction() as conn:
        return _view(ctx, conn, _get(conn, report_id))


def recent(ctx: Context, limit: int = 50) -> list[ReportView]:
    with ctx.db.transaction() as conn:
        return [_view(ctx, conn, report) for report in store.recent(conn, limit)]


def from_story(ctx: Context, story_id: int) -> ReportContent:
    """A draft's content taken from a stored story: headline, summary, body, first image, link."""
    with ctx.db.transaction() as conn:
        story = story_store.get(conn, story_id)
    if story is None:
        raise NotFound(f"There is no story {story_id}.")
    s = story.story
    if s.needs_headline:
        raise InvalidInput(f"Story {story_id} has no headline yet: give it one first.")
    image = next((i for i in s.images if i.url), None)
    return ReportContent(
        headline=" ".join((s.headline or "").split()),
        dek=s.summary or "",
        hero=Picture(image.url or "", image.caption or "", image.credit or "") if image else None,
        sections=(Section(heading="", body_html=s.body_html or ""),),
        cta_url=s.url or "",
        story_id=story.id,
    )


def sections_from_html(document: str) -> tuple[Section, ...]:
    """One section per <h2> (its heading); any text before the first <h2> is a section too."""
    parts = _H2.split(document)
    sections = [Section("", parts[0])] if parts[0].strip() else []
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        sections.append(Section(to_text(heading), body))
    return tuple(sections)


def _instant(ctx: Context, at: str) -> datetime:
    instant = local_time.local_from_text(at, newsroom_zone(ctx))
    if instant + PAST_GRACE <= ctx.clock():
        zone = newsroom_zone(ctx)
        raise InvalidInput(
            f"{local_time.describe(instant, zone)} has already passed"
            f" (it is now {local_time.describe(ctx.clock(), zone)}). Pick a later time."
        )
    return instant


def _when(ctx: Context, instant: datetime) -> dict[str, str]:
    return {
        "at": instant.isoformat(),
        "newsroom_time": local_time.describe(instant, newsroom_zone(ctx)),
    }


def _view(ctx: Context, conn: Connection, report: SpecialReport) -> ReportView:
    zone = newsroom_zone(ctx)
    at = report.scheduled_at
    return ReportView(
        report=report,
        campaign=campaigns.get(conn, report.campaign_id) if report.campaign_id else None,
        scheduled_local=local_time.describe(at, zone) if at else None,
        scheduled_input=local_time.as_local_text(at, zone) if at else "",
    )


def _check_story(conn: Connection, story_id: int | None) -> None:
    if story_id is not None and story_store.get(conn, story_id) is None:
        raise InvalidInput(f"There is no story {story_id} to base the report on.")


def _get(conn: Connection, report_id: int) -> SpecialReport:
    report = store.get(conn, report_id)
    if report is None:
        raise NotFound(f"There is no special report {report_id}.")
    return report


def _not_changeable(report: SpecialReport, verb: str) -> InvalidInput:
    if report.status is ReportStatus.CANCELLED:
        return InvalidInput(f"Special report {report.id} was cancelled; it cannot be {verb}.")
    return InvalidInput(
        f"Special report {report.id} has started sending; it can no longer be {verb}."
        f" To stop the rest, cancel campaign {report.campaign_id} from its page."
    )


def _who(actor: Editor | None) -> str:
    if actor is not None and not actor.role.can_send:
        raise PermissionDenied("Your role can view special reports but not change them.")
    return actor.email if actor else "cli"


def _audit(
    conn: Connection, ctx: Context, who: str, action: str, report_id: int, detail: dict[str, Any]
) -> None:
    audit.record(
        conn,
        actor=who,
        action=action,
        now=ctx.clock(),
        target_type="special_report",
        target_id=report_id,
        detail=detail,
    )
