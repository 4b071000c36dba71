"""Starting scheduled special reports when their time comes: campaign, first ledger chunk.

Each report starts in its own transaction: the report is claimed by a conditional
update (so a report cancelled a moment before is left alone, and one cancelled a
moment after finds it already started), its campaign is created as `sending`, and
the first chunk of its ledger is written with `send_after` = the scheduled time. The
scheduler's fan-out rounds write the rest, exactly as for an alert.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from bulletin.domain.models import CampaignKind
from bulletin.domain.reports import SPECIAL_REPORTS
from bulletin.store import audit, campaigns
from bulletin.store import lists as list_store
from bulletin.store import special_reports as report_store
from bulletin.store.db import Database
from bulletin.store.ledger import fanout

ACTOR = "scheduler"


def start_due_reports(db: Database, *, now: datetime) -> list[int]:
    """Start every scheduled report whose time has come; the ids of their new campaigns."""
    with db.transaction() as conn:
        due = report_store.due_ids(conn, now=now)
    started = []
    for report_id in due:
        with db.transaction() as conn:
            campaign_id = start_report(conn, report_id, now=now)
        if campaign_id is not None:
            started.append(campaign_id)
    return started


def start_report(conn: Connection, report_id: int, *, now: datetime) -> int | None:
    """Start one due report in the caller's transaction; None if it is no longer scheduled."""
    if not report_store.claim_start(conn, report_id, now=now):
        return None
    report = report_store.get(conn, report_id)
    assert report is not None and report.scheduled_at is not None  # claimed just above
    (special,) = list_store.by_slugs(conn, [SPECIAL_REPORTS])
    content = report.content
    campaign_id = campaigns.insert(
        conn,
        kind=CampaignKind.SPECIAL,
        list_id=special.id,
        subject=content.subject or content.headline,
        headline=content.headline,
        summary=content.dek,
        url=content.cta_url,
        created_by=report.created_by,
        now=now,
    )
    campaigns.mark_sending(conn, campaign_id, now=now)
    report_store.attach_campaign(conn, report_id, campaign_id)
    fanout.step(
        conn,
        campaign_id=campaign_id,
        list_id=special.id,
        cursor=None,
        send_after=report.scheduled_at,
        limit=fanout.FIRST_CHUNK,
    )
    audit.record(
        conn,
        actor=ACTOR,
        action="special.start",
        now=now,
        target_type="special_report",
        target_id=report_id,
        # No audience count: on a cold cache it takes most of a second at a million
        # readers, and this transaction holds SQLite's write lock (the campaign's
        # ledger is the exact count).
        detail={"campaign_id": campaign_id},
    )
    return campaign_id
