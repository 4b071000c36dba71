"""Queries over briefing editions and the newsroom's no-briefing dates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update
from sqlalchemy.exc import IntegrityError

from bulletin.domain.editions import Edition, EditionStatus
from bulletin.domain.ranking import Item
from bulletin.domain.subject_tests import SubjectTest
from bulletin.store.tables import briefing_holidays, editions


def _to_edition(row: Row) -> Edition:
    return Edition(
        id=row.id,
        edition_date=row.edition_date,
        status=EditionStatus(row.status),
        greeting=row.greeting,
        sign_off=row.sign_off,
        items=tuple(Item.from_json(i) for i in row.items or ()),
        reserve=tuple(Item.from_json(i) for i in row.reserve or ()),
        skip_reason=row.skip_reason,
        campaign_id=row.campaign_id,
        approved_by=row.approved_by,
        held_by=row.held_by,
        assembled_at=row.assembled_at,
        updated_at=row.updated_at,
        approved_at=row.approved_at,
        first_send_at=row.first_send_at,
        last_expiry_at=row.last_expiry_at,
        subject_test=_test(row.subject_test),
    )


def _test(saved: object) -> SubjectTest | None:
    if not isinstance(saved, dict):
        return None
    return SubjectTest(
        tuple(str(s) for s in saved.get("subjects", ())),
        int(saved.get("share", 10)),
        int(saved.get("window", 300)),
        int(saved.get("min_clicks", 10)),
    )


def test_json(test: SubjectTest | None) -> dict[str, object] | None:
    """How an edition keeps its subject test (`update_fields(subject_test=…)`)."""
    if test is None:
        return None
    return {
        "subjects": list(test.subjects),
        "share": test.share_percent,
        "window": test.window_s,
        "min_clicks": test.min_clicks,
    }


def insert(
    conn: Connection,
    *,
    edition_date: date,
    status: EditionStatus,
    greeting: str,
    sign_off: str,
    items: Sequence[Item],
    reserve: Sequence[Item],
    now: datetime,
    skip_reason: str | None = None,
    first_send_at: datetime | None = None,
    last_expiry_at: datetime | None = None,
) -> Edition | None:
    """The new edition, or None if that date already has one (the unique date decides)."""
    values = {
        "edition_date": edition_date,
        "status": status,
        "greeting": greeting,
        "sign_off": sign_off,
        "items": [i.as_json() for i in items],
        "reserve": [i.as_json() for i in reserve],
        "skip_reason": skip_reason,
        "assembled_at": now,
        "updated_at": now,
        "first_send_at": first_send_at,
        "last_expiry_at": last_expiry_at,
    }
    try:
        with conn.begin_nested():
            conn.execute(editions.insert().values(**values))
    except IntegrityError:
        return None
    return by_date(conn, edition_date)


def by_date(conn: Connection, edition_date: date, *, lock: bool = False) -> Edition | None:
    query = select(editions).where(editions.c.edition_date == edition_date)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).one_or_none()
    return _to_edition(row) if row else None


def by_campaign(conn: Connection, campaign_id: int) -> Edition | None:
    row = conn.execute(select(editions).where(editions.c.campaign_id == campaign_id)).one_or_none()
    return _to_edition(row) if row else None


def previous(conn: Connection, edition_date: date) -> Edition | None:
    """The latest edition before this date that was assembled (skipped ones count too)."""
    row = conn.execute(
        select(editions)
        .where(editions.c.edition_date < edition_date)
        .order_by(editions.c.edition_date.desc())
        .limit(1)
    ).one_or_none()
    return _to_edition(row) if row else None


def in_states(conn: Connection, states: Sequence[EditionStatus]) -> list[Edition]:
    rows = conn.execute(
        select(editions)
        .where(editions.c.status.in_(list(states)))
        .order_by(editions.c.edition_date)
    )
    return [_to_edition(r) for r in rows]


def update_fields(
    conn: Connection,
    edition_id: int,
    *,
    now: datetime,
    allowed_from: Sequence[EditionStatus] | None = None,
    **values: Any,
) -> bool:
    """Change an edition; False if it was not in one of `allowed_from` (someone moved it)."""
    if "items" in values:
        values["items"] = [i.as_json() for i in values["items"]]
    if "reserve" in values:
        values["reserve"] = [i.as_json() for i in values["reserve"]]
    query = update(editions).where(editions.c.id == edition_id)
    if allowed_from is not None:
        query = query.where(editions.c.status.in_(list(allowed_from)))
    return conn.execute(query.values(updated_at=now, **values)).rowcount > 0


# No-briefing dates ---------------------------------------------------------------------


def holidays(conn: Connection) -> list[tuple[date, str]]:
    rows = conn.execute(
        select(briefing_holidays.c.day, briefing_holidays.c.note).order_by(briefing_holidays.c.day)
    )
    return [(r.day, r.note) for r in rows]


def add_holiday(conn: Connection, day: date, *, note: str, actor: str, now: datetime) -> bool:
    """False if the date was already a no-briefing date."""
    try:
        with conn.begin_nested():
            conn.execute(
                briefing_holidays.insert().values(
                    day=day, note=note, created_by=actor, created_at=now
                )
            )
    except IntegrityError:
        return False
    return True


def remove_holiday(conn: Connection, day: date) -> bool:
    return (
        conn.execute(delete(briefing_holidays).where(briefing_holidays.c.day == day)).rowcount > 0
    )
