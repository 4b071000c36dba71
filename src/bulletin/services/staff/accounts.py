"""Newsroom staff: creating accounts, checking credentials, changing one's own password."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bulletin.domain.addresses import normalise_address
from bulletin.domain.errors import AuthenticationFailed, InvalidInput, NotFound
from bulletin.domain.models import Editor, Role
from bulletin.services.context import Context
from bulletin.services.staff import passwords, sessions, totp
from bulletin.store import audit
from bulletin.store import editors as editor_store

MIN_PASSWORD = passwords.MIN_LENGTH


def create_editor(
    ctx: Context, *, email: str, name: str, password: str, role: Role, actor: str = "cli"
) -> Editor:
    address = normalise_address(email)
    passwords.check_policy(password, email=address, name=name)
    now = ctx.clock()
    try:
        with ctx.db.transaction() as conn:
            if editor_store.exists(conn, address):
                raise InvalidInput(f"There is already an account for {address}.")
            editor_id = editor_store.insert(
                conn,
                email=address,
                name=name.strip() or address,
                password_hash=passwords.hash_password(password),
                role=role,
                now=now,
            )
            audit.record(
                conn,
                actor=actor,
                action="user.create",
                now=now,
                target_type="editor",
                target_id=editor_id,
                detail={"email": address, "role": role.value},
            )
    except IntegrityError as exc:
        raise InvalidInput(f"There is already an account for {address}.") from exc
    return Editor(id=editor_id, email=address, name=name.strip() or address, role=role)


def authenticate(ctx: Context, *, email: str, password: str) -> Editor:
    """The editor with these credentials, or AuthenticationFailed (same message either way).

    Only the check: the desk signs in through `sign_in`, which throttles and audits.
    """
    failure = AuthenticationFailed("That email address and password do not match.")
    try:
        address = normalise_address(email)
    except InvalidInput:
        raise failure from None
    with ctx.db.transaction() as conn:
        found = editor_store.credentials(conn, address)
    if found is None:
        passwords.verify(passwords.dummy_hash(), password)
        raise failure
    editor, password_hash = found
    if not passwords.verify(password_hash, password) or not editor.active:
        raise failure
    return editor


def change_own_password(
    ctx: Context, editor: Editor, *, current: str, new: str, session_id: int | None
) -> int:
    """Set a new password after checking the current one; every other session ends.
    Returns how many sessions were ended."""
    passwords.check_policy(new, email=editor.email, name=editor.name)
    with ctx.db.transaction() as conn:
        found = editor_store.credentials(conn, editor.email)
    if found is None or not passwords.verify(found[1], current):
        raise InvalidInput("Your current password is not right.")
    with ctx.db.transaction() as conn:
        editor_store.set_password_hash(conn, editor.id, passwords.hash_password(new))
        ended = sessions.end_all(conn, editor.id, keep=session_id)
        audit.record(
            conn,
            actor=editor.email,
            action="user.password_change",
            now=ctx.clock(),
            target_type="editor",
            target_id=editor.id,
            detail={"email": editor.email, "sessions_ended": ended},
        )
    return ended


def end_other_sessions(ctx: Context, editor: Editor, *, session_id: int | None) -> int:
    """ "Sign out everywhere": every session of the editor but this one ends."""
    with ctx.db.transaction() as conn:
        ended = sessions.end_all(conn, editor.id, keep=session_id)
        audit.record(
            conn,
            actor=editor.email,
            action="user.sign_out_everywhere",
            now=ctx.clock(),
            target_type="editor",
            target_id=editor.id,
            detail={"email": editor.email, "sessions_ended": ended},
        )
    return ended


def turn_off_second_factor(ctx: Context, *, email: str, actor: str = "cli") -> None:
    """An operator clears an account's TOTP; its sessions end."""
    with ctx.db.transaction() as conn:
        found = editor_store.credentials(conn, normalise_address(email))
        if found is None:
            raise NotFound(f"There is no desk account for {email}.")
        totp.clear(conn, ctx, found[0], actor=actor)
        sessions.end_all(conn, found[0].id)


def hash_password(password: str) -> str:
    return passwords.hash_password(password)


def get_editor(ctx: Context, editor_id: int) -> Editor | None:
    with ctx.db.transaction() as conn:
        return editor_store.get(conn, editor_id)
