"""A reader's data rights: a copy of everything we hold about them, and erasure.

Both find the reader by their address's key (any spelling finds them) and are written
to the audit log. Erasure keeps the suppression, if there is one, as the keyed hash it
already is: an erased address that signs up again is still suppressed. The audit log
names an erased reader only by that hash, never by their address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bulletin.domain.errors import NotFound
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store.readers import lookup as readers
from bulletin.store.readers import preferences as preference_store
from bulletin.store.readers import records, suppressions
from bulletin.store.readers import subscribers as subscriber_store

FORMAT = "bulletin.reader-export.v1"


@dataclass(frozen=True)
class Erasure:
    """What erasing a reader did, for the person who asked."""

    subscriber_id: int
    address_hash: str
    ledger_rows: int
    cancelled: int
    events: int
    suppressed: bool


def find(ctx: Context, address: str) -> int:
    """The id of the reader with this address (in any spelling), or NotFound."""
    identity = ctx.identities.identity(address)
    with ctx.db.transaction() as conn:
        found = subscriber_store.find_by_key(conn, identity.key)
        if found is not None:
            return found.id
        suppressed = suppressions.is_suppressed(conn, identity.digest)
    note = " (the address is suppressed: it may have been erased)" if suppressed else ""
    raise NotFound(f"No reader has the address {identity.email}{note}.")


def export(ctx: Context, subscriber_id: int, *, actor: str) -> dict[str, Any]:
    """Everything we hold about the reader, as JSON-ready values (times in ISO 8601, UTC)."""
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        reader = records.reader(conn, subscriber_id)
        if reader is None:
            raise NotFound(f"There is no reader {subscriber_id}.")
        suppression = suppressions.of_reader(conn, subscriber_id)
        document = {
            "format": FORMAT,
            "exported_at": now,
            "reader": reader,
            "lists": [
                {
                    "list": s.list_slug,
                    "name": s.list_name,
                    "status": s.status.value,
                    "joined_at": s.created_at,
                    "confirmed_at": s.confirmed_at,
                    "unsubscribed_at": s.unsubscribed_at,
                }
                for s in readers.subscriptions_of(conn, subscriber_id)
            ],
            "topics": preference_store.topics(conn, subscriber_id),
            "time_zone": reader["time_zone"],
            "briefing_time": reader["briefing_time"],
            "consent": records.consent(conn, subscriber_id),
            "sends": records.sends(conn, subscriber_id),
            "returned_mail": records.returned_mail(conn, subscriber_id),
            "suppression": None
            if suppression is None
            else {
                "reason": suppression.reason,
                "since": suppression.created_at,
                "detail": suppression.detail,
            },
        }
        audit.record(
            conn,
            actor=actor,
            action="subscriber.export",
            now=now,
            target_type="subscriber",
            target_id=subscriber_id,
        )
    return _json_ready(document)


def erase(ctx: Context, subscriber_id: int, *, actor: str) -> Erasure:
    """Remove the reader's personal data for good (see `store.readers.records.erase`)."""
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        erased = records.erase(conn, subscriber_id)
        if erased is None:
            raise NotFound(f"There is no reader {subscriber_id}.")
        audit.record(
            conn,
            actor=actor,
            action="subscriber.erase",
            now=now,
            target_type="subscriber",
            target_id=subscriber_id,
            detail={
                "address_hash": erased.address_hash,
                "ledger_rows": erased.ledger_rows,
                "cancelled": erased.cancelled,
                "events": erased.events,
                "suppression_kept": erased.suppressed,
            },
        )
    return Erasure(
        subscriber_id=subscriber_id,
        address_hash=erased.address_hash,
        ledger_rows=erased.ledger_rows,
        cancelled=erased.cancelled,
        events=erased.events,
        suppressed=erased.suppressed,
    )


def _json_ready(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value
