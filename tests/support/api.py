"""REST API test helpers: a key of a given role, as the header that sends it."""

from __future__ import annotations

from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.staff import api_keys


def key_headers(ctx: Context, role: Role) -> dict[str, str]:
    _, secret = api_keys.create_key(ctx, name=f"{role.value} key", role=role, actor=None)
    return {"Authorization": f"Bearer {secret}"}
