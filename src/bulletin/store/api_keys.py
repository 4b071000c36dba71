"""Queries over REST API keys (only their SHA-256 is ever stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Row, select, update

from bulletin.domain.models import ApiKey, Role
from bulletin.store.tables import api_keys


def _to_key(row: Row) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        role=Role(row.role),
        created_at=row.created_at,
        created_by=row.created_by,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def insert(
    conn: Connection,
    *,
    name: str,
    prefix: str,
    key_hash: str,
    role: Role,
    created_by: int | None,
    now: datetime,
) -> int:
    result = conn.execute(
        api_keys.insert()
        .returning(api_keys.c.id)
        .values(
            name=name,
            prefix=prefix,
            key_hash=key_hash,
            role=role,
            created_by=created_by,
            created_at=now,
        )
    )
    return int(result.scalar_one())


def get(conn: Connection, key_id: int) -> ApiKey | None:
    row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).one_or_none()
    return _to_key(row) if row else None


def by_hash(conn: Connection, key_hash: str) -> ApiKey | None:
    row = conn.execute(select(api_keys).where(api_keys.c.key_hash == key_hash)).one_or_none()
    return _to_key(row) if row else None


def all_keys(conn: Connection) -> list[ApiKey]:
    return [_to_key(row) for row in conn.execute(select(api_keys).order_by(api_keys.c.id.desc()))]


def revoke(conn: Connection, key_id: int, *, now: datetime) -> bool:
    result = conn.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount > 0


def mark_used(conn: Connection, key_id: int, *, now: datetime) -> None:
    conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=now))
