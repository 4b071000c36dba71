"""Desk sessions kept on the server: opened at sign-in, found by the cookie, revocable.

The browser's cookie holds only a random token; the database keeps its SHA-256 with
the editor, when it was made and last used, and the client's address and user agent.
A session ends when its row goes: at sign-out, "sign out everywhere", a password
change or reset, a role change or disabling, after `session_idle_s` unused or
`session_max_age_s` in all. A copy of the cookie taken before then opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection

from bulletin.domain.models import Editor
from bulletin.services.context import Context
from bulletin.store import desk_sessions as session_store
from bulletin.store import editors as editor_store
from bulletin.store.desk_sessions import SessionRow

# Writing last-seen on every request would make every page a write; within this the
# idle clock is a minute coarse, which an idle timeout of an hour does not notice.
TOUCH_EVERY = timedelta(seconds=60)
MAX_USER_AGENT = 300


@dataclass(frozen=True)
class DeskSession:
    editor: Editor
    session_id: int


def open_session(
    conn: Connection, ctx: Context, *, editor_id: int, ip: str | None, user_agent: str | None
) -> str:
    """A new session for the editor; returns the token for the cookie (not kept anywhere)."""
    token = secrets.token_urlsafe(32)
    session_store.insert(
        conn,
        token_hash=token_hash(token),
        editor_id=editor_id,
        now=ctx.clock(),
        ip=ip,
        user_agent=(user_agent or "")[:MAX_USER_AGENT] or None,
    )
    return token


def resolve(ctx: Context, token: str) -> DeskSession | None:
    """The live session this token opens, with its active editor; None ends it."""
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        row = session_store.by_token(conn, token_hash(token))
        if row is None:
            return None
        editor = editor_store.get(conn, row.editor_id)
        if editor is None or not editor.active or _expired(ctx, row):
            session_store.delete_one(conn, row.id)
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            session_store.touch(conn, row.id, now=now)
    return DeskSession(editor=editor, session_id=row.id)


def end(ctx: Context, token: str) -> None:
    with ctx.db.transaction() as conn:
        row = session_store.by_token(conn, token_hash(token))
        if row is not None:
            session_store.delete_one(conn, row.id)


def end_all(conn: Connection, editor_id: int, *, keep: int | None = None) -> int:
    """End every session of the editor but `keep` (the one asking); how many ended."""
    return session_store.delete_of_editor(conn, editor_id, keep=keep)


def list_own(ctx: Context, editor: Editor) -> list[SessionRow]:
    with ctx.db.transaction() as conn:
        return [row for row in session_store.of_editor(conn, editor.id) if not _expired(ctx, row)]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _expired(ctx: Context, row: SessionRow) -> bool:
    now = ctx.clock()
    idle = timedelta(seconds=ctx.settings.session_idle_s)
    lifetime = timedelta(seconds=ctx.settings.session_max_age_s)
    return now - row.last_seen_at >= idle or now - row.created_at >= lifetime
