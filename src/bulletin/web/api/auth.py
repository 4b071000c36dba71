"""API-key authentication for the REST API: `Authorization: Bearer <key>`, checked per role."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bulletin.domain.errors import AuthenticationFailed, PermissionDenied
from bulletin.domain.models import ApiKey, Editor, Role
from bulletin.services.staff import api_keys
from bulletin.web.deps import ContextDep

bearer = HTTPBearer(
    auto_error=False,
    description="An API key from the desk's API keys page or `bulletin apikeys create`.",
)


def api_key(
    ctx: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    if credentials is None:
        raise AuthenticationFailed("Send an API key as 'Authorization: Bearer <key>'.")
    return api_keys.authenticate(ctx, credentials.credentials)


KeyDep = Annotated[ApiKey, Depends(api_key)]


def sending_key(key: KeyDep) -> ApiKey:
    """A key whose role may change things (editor or admin); viewer keys only read."""
    if not key.role.can_send:
        raise PermissionDenied("This key's role is viewer: it can read but not change anything.")
    return key


SenderKeyDep = Annotated[ApiKey, Depends(sending_key)]


def admin_key(key: KeyDep) -> ApiKey:
    """An admin's key: for what only admins may do (a reader's data export and erasure)."""
    if key.role is not Role.ADMIN:
        raise PermissionDenied("Only an admin key can do that.")
    return key


AdminKeyDep = Annotated[ApiKey, Depends(admin_key)]


def actor_name(key: ApiKey) -> str:
    """How a key appears in the audit log: never the key itself."""
    return f"api-key:{key.prefix}… ({key.name})"


def as_editor(key: ApiKey) -> Editor:
    """The key as the acting editor for use cases that take one (its role decides).

    `id` is the admin who made the key, or None for a key made on the command line;
    the use cases store it only in nullable `created_by` columns.
    """
    # Editor.id says int; None stands in for "no editor" here (see above), knowingly.
    maker = cast(int, key.created_by)
    return Editor(id=maker, email=actor_name(key), name=key.name, role=key.role)
