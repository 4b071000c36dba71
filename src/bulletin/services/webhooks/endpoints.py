"""Admins' use cases for webhook endpoints: add, enable or disable, delete, reveal the
secret, send a test event, read the delivery log. Every change is audited; the secret
never is (the audit log says it was revealed, and by whom)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection

from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Editor, Role
from bulletin.domain.webhooks import (
    SUBSCRIBABLE,
    DeliveryRecord,
    Endpoint,
    EventType,
    new_event,
    new_secret,
)
from bulletin.services.context import Context
from bulletin.services.webhooks.addresses import check_reachable, check_url
from bulletin.store import audit
from bulletin.store.webhooks import endpoints as endpoint_store
from bulletin.store.webhooks import outbox

MAX_DESCRIPTION = 200


@dataclass(frozen=True)
class EndpointView:
    endpoint: Endpoint
    counts: dict[str, int]  # deliveries by state


def add(
    ctx: Context, *, url: str, description: str, event_types: Iterable[str], actor: Editor
) -> tuple[Endpoint, str]:
    """A new endpoint and its secret (the caller shows it once)."""
    _require_admin(actor)
    url = check_url(url)
    check_reachable(url, ctx.settings.webhook_allow_networks)
    description = " ".join(description.split())
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"Keep the description under {MAX_DESCRIPTION} characters.")
    types = _types(event_types)
    secret, now = new_secret(), ctx.clock()
    with ctx.db.transaction() as conn:
        endpoint_id = endpoint_store.add(
            conn,
            url=url,
            description=description,
            secret=secret,
            event_types=types,
            created_by=actor.email,
            now=now,
        )
        _audit(
            conn, ctx, actor, "webhook.create", endpoint_id, {"url": url, "events": sorted(types)}
        )
        endpoint = endpoint_store.get(conn, endpoint_id)
    assert endpoint is not None
    return endpoint, secret


def list_endpoints(ctx: Context, *, viewer: Editor) -> list[EndpointView]:
    _require_admin(viewer)
    with ctx.db.reading() as conn:
        counts = outbox.counts(conn)
        return [EndpointView(e, counts.get(e.id, {})) for e in endpoint_store.all_endpoints(conn)]


def get(ctx: Context, endpoint_id: int, *, viewer: Editor) -> Endpoint:
    _require_admin(viewer)
    with ctx.db.reading() as conn:
        return _endpoint(endpoint_store.get(conn, endpoint_id), endpoint_id)


def log(ctx: Context, endpoint_id: int, *, viewer: Editor, limit: int = 50) -> list[DeliveryRecord]:
    """The endpoint's deliveries, latest first."""
    _require_admin(viewer)
    with ctx.db.reading() as conn:
        return outbox.log(conn, endpoint_id, limit=limit)


def set_enabled(ctx: Context, endpoint_id: int, on: bool, *, actor: Editor) -> None:
    """Disabled, an endpoint gets no new events; its queued ones wait (and resume when enabled)."""
    _require_admin(actor)
    with ctx.db.transaction() as conn:
        if not endpoint_store.set_enabled(conn, endpoint_id, on):
            raise NotFound(f"There is no webhook endpoint {endpoint_id}.")
        _audit(conn, ctx, actor, "webhook.enable" if on else "webhook.disable", endpoint_id, None)


def set_event_types(
    ctx: Context, endpoint_id: int, event_types: Iterable[str], *, actor: Editor
) -> None:
    _require_admin(actor)
    types = _types(event_types)
    with ctx.db.transaction() as conn:
        if not endpoint_store.set_event_types(conn, endpoint_id, types):
            raise NotFound(f"There is no webhook endpoint {endpoint_id}.")
        _audit(conn, ctx, actor, "webhook.events", endpoint_id, {"events": sorted(types)})


def delete(ctx: Context, endpoint_id: int, *, actor: Editor) -> None:
    """Remove the endpoint with its queued deliveries and its log."""
    _require_admin(actor)
    with ctx.db.transaction() as conn:
        endpoint = _endpoint(endpoint_store.get(conn, endpoint_id), endpoint_id)
        endpoint_store.delete(conn, endpoint_id)
        _audit(conn, ctx, actor, "webhook.delete", endpoint_id, {"url": endpoint.url})


def reveal_secret(ctx: Context, endpoint_id: int, *, actor: Editor) -> str:
    _require_admin(actor)
    with ctx.db.transaction() as conn:
        secret = endpoint_store.secret(conn, endpoint_id)
        if secret is None:
            raise NotFound(f"There is no webhook endpoint {endpoint_id}.")
        _audit(conn, ctx, actor, "webhook.reveal_secret", endpoint_id, None)
    return secret


def send_test(ctx: Context, endpoint_id: int, *, actor: Editor) -> str:
    """Queue a `test` event for this endpoint through the outbox; its id."""
    _require_admin(actor)
    now = ctx.clock()
    event = new_event(
        EventType.TEST,
        {"message": "A test event from Bulletin's desk.", "endpoint_id": endpoint_id},
        now=now,
    )
    with ctx.db.transaction() as conn:
        _endpoint(endpoint_store.get(conn, endpoint_id), endpoint_id)
        outbox.emit_to(conn, event, endpoint_id, now=now)
        _audit(conn, ctx, actor, "webhook.test", endpoint_id, {"event": event.id})
    return event.id


def _types(values: Iterable[str]) -> set[EventType]:
    known = {t.value: t for t in SUBSCRIBABLE}
    chosen = set(values)
    unknown = chosen - known.keys()
    if unknown:
        raise InvalidInput(f"Unknown event type: {', '.join(sorted(unknown))}.")
    if not chosen:
        raise InvalidInput("Choose at least one event type for the endpoint to receive.")
    return {known[v] for v in chosen}


def _endpoint(found: Endpoint | None, endpoint_id: int) -> Endpoint:
    if found is None:
        raise NotFound(f"There is no webhook endpoint {endpoint_id}.")
    return found


def _require_admin(actor: Editor | None) -> None:
    if actor is None or actor.role is not Role.ADMIN:
        raise PermissionDenied("Only an admin can manage webhooks.")


def _audit(
    conn: Connection,
    ctx: Context,
    actor: Editor,
    action: str,
    endpoint_id: int,
    detail: dict[str, object] | None,
) -> None:
    audit.record(
        conn,
        actor=actor.email,
        action=action,
        now=ctx.clock(),
        target_type="webhook",
        target_id=endpoint_id,
        detail=detail,
    )
