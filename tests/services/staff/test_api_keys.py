"""API keys: shown once, stored as a hash, revocable, managed by admins only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bulletin.domain.errors import AuthenticationFailed, PermissionDenied
from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.staff import api_keys
from bulletin.store.tables import api_keys as api_keys_table
from bulletin.store.tables import audit_log
from tests.support.factories import FakeClock, make_editor


def test_a_new_key_authenticates_with_its_role_and_only_its_hash_is_stored(
    ctx: Context,
) -> None:
    key, secret = api_keys.create_key(ctx, name="CMS", role=Role.EDITOR, actor=None)
    assert secret.startswith("bk_") and len(secret) > 40
    assert api_keys.authenticate(ctx, secret).id == key.id
    assert api_keys.authenticate(ctx, secret).role is Role.EDITOR
    with ctx.db.transaction() as conn:
        stored = conn.execute(select(api_keys_table)).one()
    assert secret not in {str(value) for value in stored}
    assert stored.key_hash == api_keys.hash_key(secret)
    assert key.prefix == secret[:10]


def test_a_wrong_or_revoked_key_is_refused(ctx: Context) -> None:
    key, secret = api_keys.create_key(ctx, name="Wire", role=Role.VIEWER, actor=None)
    with pytest.raises(AuthenticationFailed):
        api_keys.authenticate(ctx, secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    with pytest.raises(AuthenticationFailed):
        api_keys.authenticate(ctx, "not-even-a-key")
    api_keys.revoke_key(ctx, key.id, actor=None)
    with pytest.raises(AuthenticationFailed, match="revoked"):
        api_keys.authenticate(ctx, secret)


def test_only_admins_manage_keys_and_every_change_is_audited(ctx: Context) -> None:
    editor = make_editor(ctx, role=Role.EDITOR)
    admin = make_editor(ctx, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        api_keys.create_key(ctx, name="CMS", role=Role.ADMIN, actor=editor)
    key, _ = api_keys.create_key(ctx, name="CMS", role=Role.ADMIN, actor=admin)
    with pytest.raises(PermissionDenied):
        api_keys.revoke_key(ctx, key.id, actor=editor)
    api_keys.revoke_key(ctx, key.id, actor=admin)
    with ctx.db.transaction() as conn:
        rows = conn.execute(
            select(audit_log.c.actor, audit_log.c.action).where(
                audit_log.c.action.like("api_key.%")
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (admin.email, "api_key.create"),
        (admin.email, "api_key.revoke"),
    ]


def test_last_use_is_noted_at_most_once_a_minute(ctx: Context, clock: FakeClock) -> None:
    _key, secret = api_keys.create_key(ctx, name="CMS", role=Role.EDITOR, actor=None)
    api_keys.authenticate(ctx, secret)
    first = api_keys.list_keys(ctx)[0].last_used_at
    clock.advance(seconds=30)
    api_keys.authenticate(ctx, secret)
    assert api_keys.list_keys(ctx)[0].last_used_at == first
    clock.advance(seconds=31)
    api_keys.authenticate(ctx, secret)
    assert api_keys.list_keys(ctx)[0].last_used_at == clock.now
