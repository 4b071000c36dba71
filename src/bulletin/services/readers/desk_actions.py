"""What staff may do to one reader from the desk: send the confirmation again, take them
off a list, suppress their address. Each is written to the audit log.

A resend keeps every limit a reader's own "send it again" has: none to a suppressed
address, at most one per `confirm_resend_s` to one reader, and (with `limits`) the
mailbox's and the service's confirmation limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bulletin.domain.addresses import key_of, mailbox_key
from bulletin.domain.errors import InvalidInput, NotFound, TooManyRequests
from bulletin.domain.models import ConsentAction, Subscriber, SubscriptionStatus
from bulletin.services.context import Context
from bulletin.services.readers.signup_limits import SignUpLimits
from bulletin.services.webhooks import events as webhook_events
from bulletin.store import audit, outbox
from bulletin.store import lists as list_store
from bulletin.store.readers import consent, suppressions
from bulletin.store.readers import subscribers as subscriber_store
from bulletin.store.readers.suppressions import ReaderSuppression

METHOD = "desk"  # how the consent record says a change was made
SUPPRESSION_REASON = "desk"
MAX_REASON = 300
_PENDING = SubscriptionStatus.PENDING


@dataclass(frozen=True)
class Resent:
    email: str
    list_names: tuple[str, ...]


def resend_confirmation(
    ctx: Context, subscriber_id: int, *, actor: str, limits: SignUpLimits | None = None
) -> Resent:
    """Queue the confirmation email again for the reader's pending lists, or say why not."""
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        reader = _reader(conn, subscriber_id)
        statuses = subscriber_store.statuses(conn, subscriber_id)
        pending = [ml for ml in list_store.all_lists(conn) if statuses.get(ml.id) is _PENDING]
        if not pending:
            raise InvalidInput(f"{reader.email} has no list waiting for confirmation.")
        if suppressions.of_reader(conn, subscriber_id) is not None:
            raise InvalidInput(f"{reader.email} is suppressed: nothing is sent to it.")
        last = subscriber_store.confirmation_sent_at(conn, subscriber_id)
        _check_window(ctx, last, now=now)
        if limits is not None:
            limits.confirmation(mailbox=mailbox_key(key_of(reader.email)))
        outbox.enqueue(conn, kind="confirm", subscriber_id=subscriber_id, now=now)
        subscriber_store.mark_confirmation_sent(conn, subscriber_id, now=now)
        audit.record(
            conn,
            actor=actor,
            action="subscriber.resend_confirmation",
            now=now,
            target_type="subscriber",
            target_id=subscriber_id,
        )
    return Resent(email=reader.email, list_names=tuple(ml.name for ml in pending))


def unsubscribe(ctx: Context, subscriber_id: int, list_slug: str, *, actor: str) -> str:
    """Take the reader off one list (their consent record says staff did); the list's name."""
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        reader = _reader(conn, subscriber_id)
        mailing_list = list_store.by_slugs(conn, [list_slug])[0]
        if not subscriber_store.unsubscribe(conn, subscriber_id, mailing_list.id, now=now):
            raise InvalidInput(f"{reader.email} is not on {mailing_list.name}.")
        consent.record(
            conn,
            subscriber_id=subscriber_id,
            list_id=mailing_list.id,
            action=ConsentAction.UNSUBSCRIBE,
            method=METHOD,
            now=now,
            wording=f"By {actor}",
        )
        webhook_events.reader_unsubscribed(
            conn, subscriber_id, mailing_list.id, via="desk", now=now
        )
        audit.record(
            conn,
            actor=actor,
            action="subscriber.unsubscribe",
            now=now,
            target_type="subscriber",
            target_id=subscriber_id,
            detail={"list": mailing_list.slug},
        )
    return mailing_list.name


def suppress(ctx: Context, subscriber_id: int, *, reason: str, actor: str) -> None:
    """Put the reader's address on the suppression list, with the reason staff gave."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Say why this address is suppressed (it is kept with it).")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON} characters.")
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        reader = _reader(conn, subscriber_id)
        if suppressions.of_reader(conn, subscriber_id) is not None:
            raise InvalidInput(f"{reader.email} is already suppressed.")
        suppressions.add_for_reader(
            conn, subscriber_id, reason=SUPPRESSION_REASON, now=now, detail=reason
        )
        webhook_events.readers_suppressed(
            conn, [ReaderSuppression(subscriber_id, SUPPRESSION_REASON)], now=now
        )
        audit.record(
            conn,
            actor=actor,
            action="subscriber.suppress",
            now=now,
            target_type="subscriber",
            target_id=subscriber_id,
            detail={"reason": reason},
        )


def _reader(conn: Connection, subscriber_id: int) -> Subscriber:
    reader = subscriber_store.get(conn, subscriber_id)
    if reader is None:
        raise NotFound(f"There is no reader {subscriber_id}.")
    return reader


def _check_window(ctx: Context, last: datetime | None, *, now: datetime) -> None:
    if last is None:
        return
    again = last + timedelta(seconds=ctx.settings.confirm_resend_s)
    if now >= again:
        return
    raise TooManyRequests(
        f"A confirmation went to this reader at {last:%H:%M} UTC; "
        f"another can go at {again:%H:%M} UTC.",
        limit="reader",
        retry_after_s=max(1, math.ceil((again - now).total_seconds())),
    )
