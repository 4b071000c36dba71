"""The consent record: who agreed to what, when, how and from where."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from bulletin.domain.models import ConsentAction
from bulletin.store.tables import consent_records


def record(
    conn: Connection,
    *,
    subscriber_id: int,
    list_id: int | None,
    action: ConsentAction,
    method: str,
    now: datetime,
    ip: str | None = None,
    user_agent: str | None = None,
    wording: str | None = None,
) -> None:
    conn.execute(
        consent_records.insert().values(
            subscriber_id=subscriber_id,
            list_id=list_id,
            action=action,
            method=method,
            ip=ip,
            user_agent=(user_agent or None) and user_agent[:400],
            wording=wording,
            occurred_at=now,
        )
    )


def history(conn: Connection, subscriber_id: int) -> list[dict]:
    rows = conn.execute(
        select(consent_records)
        .where(consent_records.c.subscriber_id == subscriber_id)
        .order_by(consent_records.c.id)
    )
    return [dict(row._mapping) for row in rows]
