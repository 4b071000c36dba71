"""Newsroom staff: creating accounts and signing in."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from bulletin.domain.addresses import normalise_address
from bulletin.domain.errors import AuthenticationFailed, InvalidInput
from bulletin.domain.models import Editor, Role
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store import editors as editor_store

MIN_PASSWORD = 10
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this when the address is unknown keeps sign-in time the same
    whether or not an account exists. Made on first use: argon2 takes 64 MB to hash,
    which a process that never signs anyone in (a worker) should not pay for."""
    return _hasher.hash("bulletin-no-such-user")


def create_editor(
    ctx: Context, *, email: str, name: str, password: str, role: Role, actor: str = "cli"
) -> Editor:
    address = normalise_address(email)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Passwords must be at least {MIN_PASSWORD} characters.")
    now = ctx.clock()
    try:
        with ctx.db.transaction() as conn:
            if editor_store.exists(conn, address):
                raise InvalidInput(f"There is already an account for {address}.")
            editor_id = editor_store.insert(
                conn,
                email=address,
                name=name.strip() or address,
                password_hash=_hasher.hash(password),
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
    """The editor with these credentials, or AuthenticationFailed (same message either way)."""
    failure = AuthenticationFailed("That email address and password do not match.")
    try:
        address = normalise_address(email)
    except InvalidInput:
        raise failure from None
    with ctx.db.transaction() as conn:
        found = editor_store.credentials(conn, address)
        if found is None:
            _verify(_dummy_hash(), password)
            raise failure
        editor, password_hash = found
        if not _verify(password_hash, password) or not editor.active:
            raise failure
        if _hasher.check_needs_rehash(password_hash):
            editor_store.set_password_hash(conn, editor.id, _hasher.hash(password))
        editor_store.mark_login(conn, editor.id, now=ctx.clock())
    return editor


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def get_editor(ctx: Context, editor_id: int) -> Editor | None:
    with ctx.db.transaction() as conn:
        return editor_store.get(conn, editor_id)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
