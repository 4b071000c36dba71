"""Queries over special reports; every change of state is a conditional update.

Starting a report (the scheduler) and cancelling or editing it (an editor) race for
the same row. Each is an UPDATE whose WHERE names the states it may leave, so the
database decides: whichever commits first wins and the other changes nothing (on
PostgreSQL the loser waits for the row lock, then re-checks its WHERE).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from bulletin.domain.reports import (
    Picture,
    ReportContent,
    ReportStatus,
    Section,
    SpecialReport,
)
from bulletin.store.tables import special_reports as reports

CHANGEABLE = [ReportStatus.DRAFT, ReportStatus.SCHEDULED]


def _picture(data: dict[str, Any] | None) -> Picture | None:
    return Picture(**data) if data else None


def _content_of(row: Row) -> ReportContent:
    return ReportContent(
        headline=row.headline,
        subject=row.subject,
        dek=row.dek,
        hero=_picture(row.hero),
        sections=tuple(
            Section(s["heading"], s["body_html"], _picture(s.get("image"))) for s in row.sections
        ),
        cta_url=row.cta_url,
        cta_label=row.cta_label,
        story_id=row.story_id,
    )


def _to_report(row: Row) -> SpecialReport:
    return SpecialReport(
        id=row.id,
        content=_content_of(row),
        status=ReportStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        scheduled_at=row.scheduled_at,
        campaign_id=row.campaign_id,
        created_by=row.created_by,
    )


def _content_values(content: ReportContent) -> dict[str, Any]:
    return {
        "subject": content.subject,
        "headline": content.headline,
        "dek": content.dek,
        "hero": asdict(content.hero) if content.hero else None,
        "sections": [asdict(s) for s in content.sections],
        "cta_url": content.cta_url,
        "cta_label": content.cta_label,
        "story_id": content.story_id,
    }


def insert(
    conn: Connection, content: ReportContent, *, created_by: int | None, now: datetime
) -> int:
    result = conn.execute(
        reports.insert()
        .returning(reports.c.id)
        .values(
            status=ReportStatus.DRAFT,
            created_by=created_by,
            created_at=now,
            updated_at=now,
            **_content_values(content),
        )
    )
    return int(result.scalar_one())


def get(conn: Connection, report_id: int) -> SpecialReport | None:
    row = conn.execute(select(reports).where(reports.c.id == report_id)).one_or_none()
    return _to_report(row) if row else None


def by_campaign(conn: Connection, campaign_id: int) -> SpecialReport | None:
    row = conn.execute(select(reports).where(reports.c.campaign_id == campaign_id)).one_or_none()
    return _to_report(row) if row else None


def recent(conn: Connection, limit: int = 50) -> list[SpecialReport]:
    rows = conn.execute(select(reports).order_by(reports.c.id.desc()).limit(limit))
    return [_to_report(row) for row in rows]


def update_content(
    conn: Connection, report_id: int, content: ReportContent, *, now: datetime
) -> bool:
    """Replace the content of a report that has not started; False if it has (or is gone)."""
    return _change(conn, report_id, CHANGEABLE, updated_at=now, **_content_values(content))


def schedule(conn: Connection, report_id: int, *, at: datetime, now: datetime) -> bool:
    return _change(
        conn,
        report_id,
        CHANGEABLE,
        status=ReportStatus.SCHEDULED,
        scheduled_at=at,
        updated_at=now,
    )


def cancel(conn: Connection, report_id: int, *, now: datetime) -> bool:
    return _change(conn, report_id, CHANGEABLE, status=ReportStatus.CANCELLED, updated_at=now)


def due_ids(conn: Connection, *, now: datetime) -> list[int]:
    """Scheduled reports whose time has come, oldest first."""
    return list(
        conn.execute(
            select(reports.c.id)
            .where(reports.c.status == ReportStatus.SCHEDULED, reports.c.scheduled_at <= now)
            .order_by(reports.c.scheduled_at, reports.c.id)
        ).scalars()
    )


def claim_start(conn: Connection, report_id: int, *, now: datetime) -> bool:
    """Mark a due scheduled report as sending; False if it was cancelled or moved meanwhile."""
    result = conn.execute(
        update(reports)
        .where(
            reports.c.id == report_id,
            reports.c.status == ReportStatus.SCHEDULED,
            reports.c.scheduled_at <= now,
        )
        .values(status=ReportStatus.SENDING, updated_at=now)
    )
    return result.rowcount > 0


def attach_campaign(conn: Connection, report_id: int, campaign_id: int) -> None:
    conn.execute(update(reports).where(reports.c.id == report_id).values(campaign_id=campaign_id))


def _change(
    conn: Connection, report_id: int, allowed: Sequence[ReportStatus], **values: Any
) -> bool:
    result = conn.execute(
        update(reports)
        .where(reports.c.id == report_id, reports.c.status.in_(list(allowed)))
        .values(**values)
    )
    return result.rowcount > 0
