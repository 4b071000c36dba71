"""Queries over the newsroom staff who sign in to the desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, func, select, update

from bulletin.domain.addresses import key_of
from bulletin.domain.models import Editor, Role
from bulletin.store.tables import editors


def _to_editor(row: Row) -> Editor:
    return Editor(id=row.id, email=row.email, name=row.name, role=Role(row.role), active=row.active)


def insert(
    conn: Connection, *, email: str, name: str, password_hash: str, role: Role, now: datetime
) -> int:
    result = conn.execute(
        editors.insert()
        .returning(editors.c.id)
        .values(
            email=email,
            name=name,
            password_hash=password_hash,
            role=role,
            active=True,
            created_at=now,
        )
    )
    return int(result.scalar_one())


def get(conn: Connection, editor_id: int) -> Editor | None:
    row = conn.execute(select(editors).where(editors.c.id == editor_id)).one_or_none()
    return _to_editor(row) if row else None


def credentials(conn: Connection, email: str) -> tuple[Editor, str] | None:
    """The editor with this address (in any letter case) and their password hash.

    Accounts made before addresses were compared by key may differ only in case; then
    only the one spelt exactly as given signs in.
    """
    rows = conn.execute(
        select(editors).where(func.lower(editors.c.email) == key_of(email)).order_by(editors.c.id)
    ).all()
    row = rows[0] if len(rows) == 1 else next((r for r in rows if r.email == email), None)
    return (_to_editor(row), row.password_hash) if row else None


def exists(conn: Connection, email: str) -> bool:
    """Whether an account has this address, in any letter case."""
    found = conn.execute(
        select(editors.c.id).where(func.lower(editors.c.email) == key_of(email))
    ).first()
    return found is not None


def set_password_hash(conn: Connection, editor_id: int, password_hash: str) -> None:
    conn.execute(
        update(editors).where(editors.c.id == editor_id).values(password_hash=password_hash)
    )


def mark_login(conn: Connection, editor_id: int, *, now: datetime) -> None:
    conn.execute(update(editors).where(editors.c.id == editor_id).values(last_login_at=now))


@dataclass(frozen=True)
class EditorListing:
    editor: Editor
    created_at: datetime
    last_login_at: datetime | None


def listing(conn: Connection) -> list[EditorListing]:
    rows = conn.execute(select(editors).order_by(editors.c.email))
    return [EditorListing(_to_editor(r), r.created_at, r.last_login_at) for r in rows]


def get_for_update(conn: Connection, editor_id: int) -> Editor | None:
    row = conn.execute(
        select(editors).where(editors.c.id == editor_id).with_for_update()
    ).one_or_none()
    return _to_editor(row) if row else None


def active_admin_ids(conn: Connection) -> list[int]:
    """The active admins, locked until the transaction ends (PostgreSQL), so two
    changes at once cannot both take away the last one."""
    rows = conn.execute(
        select(editors.c.id)
        .where(editors.c.role == Role.ADMIN.value, editors.c.active.is_(True))
        .order_by(editors.c.id)
        .with_for_update()
    )
    return [r.id for r in rows]


def set_role(conn: Connection, editor_id: int, role: Role) -> None:
    conn.execute(update(editors).where(editors.c.id == editor_id).values(role=role.value))


def set_active(conn: Connection, editor_id: int, active: bool) -> None:
    conn.execute(update(editors).where(editors.c.id == editor_id).values(active=active))


@dataclass(frozen=True)
class TotpState:
    """An editor's second factor: the encrypted secret, set while enrolling or enabled."""

    secret: str | None
    enabled_at: datetime | None
    last_step: int | None


def totp_state(conn: Connection, editor_id: int) -> TotpState:
    row = conn.execute(
        select(editors.c.totp_secret, editors.c.totp_enabled_at, editors.c.totp_last_step).where(
            editors.c.id == editor_id
        )
    ).one_or_none()
    if row is None:
        return TotpState(None, None, None)
    return TotpState(row.totp_secret, row.totp_enabled_at, row.totp_last_step)


def set_totp(
    conn: Connection,
    editor_id: int,
    *,
    secret: str | None,
    enabled_at: datetime | None,
    last_step: int | None = None,
) -> None:
    conn.execute(
        update(editors)
        .where(editors.c.id == editor_id)
        .values(totp_secret=secret, totp_enabled_at=enabled_at, totp_last_step=last_step)
    )


def use_totp_step(conn: Connection, editor_id: int, step: int) -> bool:
    """Record `step` as used, if it is later than the last one; whether it was (a code
    works once, even for two requests at the same moment)."""
    result = conn.execute(
        update(editors)
        .where(
            editors.c.id == editor_id,
            (editors.c.totp_last_step.is_(None)) | (editors.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return result.rowcount == 1
