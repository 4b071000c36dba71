"""Worker heartbeats: the engines' signs of life, written by them, read by /readyz."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from bulletin.store.tables import worker_heartbeats

FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Heartbeat:
    worker: str
    started_at: datetime
    seen_at: datetime


def beat(conn: Connection, *, worker: str, started_at: datetime, now: datetime) -> None:
    """Record that `worker` is alive at `now`, and forget workers gone for a day."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(worker_heartbeats).values(
        worker=worker, started_at=started_at, seen_at=now
    )
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[worker_heartbeats.c.worker], set_={"seen_at": now}
        )
    )
    conn.execute(delete(worker_heartbeats).where(worker_heartbeats.c.seen_at < now - FORGET_AFTER))


def latest(conn: Connection) -> Heartbeat | None:
    """The most recent heartbeat of any worker, or None if no worker ever beat."""
    row = conn.execute(
        select(worker_heartbeats).order_by(worker_heartbeats.c.seen_at.desc()).limit(1)
    ).first()
    return Heartbeat(row.worker, row.started_at, row.seen_at) if row else None
