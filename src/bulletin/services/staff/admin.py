"""Admins managing desk accounts: roles, disabling, password resets; never the last admin.

Every change is audited. A role change, disabling and a password reset end every
session of the account at once (the desk also checks `active` on every request). The
last active admin can be neither demoted nor disabled, so the newsroom never locks
itself out of its own settings.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Editor, Role
from bulletin.services.context import Context
from bulletin.services.staff import accounts, passwords, sessions
from bulletin.store import audit
from bulletin.store import editors as editor_store
from bulletin.store.editors import EditorListing


def _require_admin(actor: Editor) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("Only admins can manage desk accounts.")


def list_staff(ctx: Context, *, actor: Editor) -> list[EditorListing]:
    _require_admin(actor)
    with ctx.db.transaction() as conn:
        return editor_store.listing(conn)


def create(
    ctx: Context, *, email: str, name: str, password: str, role: Role, actor: Editor
) -> Editor:
    _require_admin(actor)
    return accounts.create_editor(
        ctx, email=email, name=name, password=password, role=role, actor=actor.email
    )


def change_role(ctx: Context, editor_id: int, role: Role, *, actor: Editor) -> None:
    _require_admin(actor)
    with ctx.db.transaction() as conn:
        target = _target(conn, editor_id)
        if target.role is role:
            return
        if target.role is Role.ADMIN:
            _keep_an_admin(conn, target, "change the role of")
        editor_store.set_role(conn, editor_id, role)
        sessions.end_all(conn, editor_id)
        _audit(conn, ctx, actor, "user.role", target, {"from": target.role.value, "to": role.value})


def set_active(ctx: Context, editor_id: int, active: bool, *, actor: Editor) -> None:
    _require_admin(actor)
    with ctx.db.transaction() as conn:
        target = _target(conn, editor_id)
        if target.active is active:
            return
        if not active and target.role is Role.ADMIN:
            _keep_an_admin(conn, target, "disable")
        editor_store.set_active(conn, editor_id, active)
        sessions.end_all(conn, editor_id)
        _audit(conn, ctx, actor, "user.enable" if active else "user.disable", target, {})


def reset_password(ctx: Context, editor_id: int, password: str, *, actor: Editor) -> None:
    _require_admin(actor)
    with ctx.db.transaction() as conn:
        target = _target(conn, editor_id)
    passwords.check_policy(password, email=target.email, name=target.name)
    password_hash = passwords.hash_password(password)
    with ctx.db.transaction() as conn:
        target = _target(conn, editor_id)
        editor_store.set_password_hash(conn, editor_id, password_hash)
        ended = sessions.end_all(conn, editor_id)
        _audit(conn, ctx, actor, "user.password_reset", target, {"sessions_ended": ended})


def _target(conn: Connection, editor_id: int) -> Editor:
    target = editor_store.get_for_update(conn, editor_id)
    if target is None:
        raise NotFound(f"There is no desk account {editor_id}.")
    return target


def _keep_an_admin(conn: Connection, target: Editor, doing: str) -> None:
    admins = editor_store.active_admin_ids(conn)
    if admins == [target.id]:
        raise InvalidInput(
            f"You cannot {doing} {target.email}: it is the last active admin. "
            "Make another account an admin first."
        )


def _audit(
    conn: Connection,
    ctx: Context,
    actor: Editor,
    action: str,
    target: Editor,
    detail: dict[str, Any],
) -> None:
    audit.record(
        conn,
        actor=actor.email,
        action=action,
        now=ctx.clock(),
        target_type="editor",
        target_id=target.id,
        detail={"email": target.email, **detail},
    )
