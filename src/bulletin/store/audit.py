"""The audit log: every state change an editor or operator makes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from bulletin.store.tables import audit_log


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    now: datetime,
    target_type: str | None = None,
    target_id: object = None,
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        audit_log.insert().values(
            occurred_at=now,
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            detail=detail,
        )
    )


def record_many(conn: Connection, entries: Sequence[dict[str, Any]], *, now: datetime) -> None:
    """Several entries at once; each a dict of `record`'s keyword arguments but `now`."""
    if not entries:
        return
    rows = [
        {
            "occurred_at": now,
            "actor": entry["actor"],
            "action": entry["action"],
            "target_type": entry.get("target_type"),
            "target_id": None if entry.get("target_id") is None else str(entry["target_id"]),
            "detail": entry.get("detail"),
        }
        for entry in entries
    ]
    conn.execute(audit_log.insert(), rows)


def recent(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    rows = conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(limit))
    return [dict(row._mapping) for row in rows]


def page(conn: Connection, *, before: int | None, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` entries older than entry `before` (newest first): keyset paging."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if before is not None:
        query = query.where(audit_log.c.id < before)
    return [dict(row._mapping) for row in conn.execute(query)]


def latest(
    conn: Connection, *, action: str, target_type: str, target_id: object
) -> dict[str, Any] | None:
    """The newest entry of this action about this target, if any."""
    row = conn.execute(
        select(audit_log)
        .where(
            audit_log.c.action == action,
            audit_log.c.target_type == target_type,
            audit_log.c.target_id == str(target_id),
        )
        .order_by(audit_log.c.id.desc())
        .limit(1)
    ).first()
    return dict(row._mapping) if row else None
