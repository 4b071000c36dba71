"""REST API keys: made by admins (or the operator), shown once, stored only as a SHA-256.

A key is 32 random bytes, so a plain SHA-256 is enough to store it safely (there is
nothing to guess); a slow password hash would only slow every API request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from bulletin.domain.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import ApiKey, Editor, Role
from bulletin.services.context import Context
from bulletin.store import api_keys as key_store
from bulletin.store import audit

KEY_PREFIX = "bk_"
# Writing last_used_at on every request would make every read a write; once a minute is plenty.
TOUCH_EVERY = timedelta(minutes=1)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(ctx: Context, *, name: str, role: Role, actor: Editor | None) -> tuple[ApiKey, str]:
    """A new key and its secret, which is shown to the caller once and never again."""
    _require_admin(actor)
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Give the key a name of up to 100 characters, e.g. 'CMS'.")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        key_id = key_store.insert(
            conn,
            name=name,
            prefix=secret[:10],
            key_hash=hash_key(secret),
            role=role,
            created_by=actor.id if actor else None,
            now=now,
        )
        audit.record(
            conn,
            actor=actor.email if actor else "cli",
            action="api_key.create",
            now=now,
            target_type="api_key",
            target_id=key_id,
            detail={"name": name, "role": role.value},
        )
        key = key_store.get(conn, key_id)
    assert key is not None
    return key, secret


def list_keys(ctx: Context) -> list[ApiKey]:
    with ctx.db.transaction() as conn:
        return key_store.all_keys(conn)


def revoke_key(ctx: Context, key_id: int, *, actor: Editor | None) -> None:
    _require_admin(actor)
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        if key_store.get(conn, key_id) is None:
            raise NotFound(f"There is no API key {key_id}.")
        if key_store.revoke(conn, key_id, now=now):
            audit.record(
                conn,
                actor=actor.email if actor else "cli",
                action="api_key.revoke",
                now=now,
                target_type="api_key",
                target_id=key_id,
            )


def authenticate(ctx: Context, secret: str) -> ApiKey:
    """The live key with this secret, or AuthenticationFailed."""
    if not secret.startswith(KEY_PREFIX):
        raise AuthenticationFailed("That API key is not valid.")
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        key = key_store.by_hash(conn, hash_key(secret))
        if key is None or not key.active:
            raise AuthenticationFailed("That API key is not valid or has been revoked.")
        if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
            key_store.mark_used(conn, key.id, now=now)
    return key


def _require_admin(actor: Editor | None) -> None:
    if actor is not None and actor.role is not Role.ADMIN:
        raise PermissionDenied("Only admins can manage API keys.")
