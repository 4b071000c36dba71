"""One pipeline for returned mail, whichever way it came in: what each class does, to whom.

Every way in — the inbound listener, the polled mailbox, `bulletin bounces process`,
the mail providers' webhooks — classifies what it got (`mail.returns`,
`mail.webhooks`) and finds the reader it can trust it is about; then `apply` does the
one thing that class means, in its own transaction, once:

- address (gone): the reader is suppressed; recorded as a bounce.
- mailbox, temporary (soft): recorded as a soft bounce; the reader is suppressed once
  soft bounces of BULLETIN_SOFT_BOUNCE_LIMIT different sends fall within
  BULLETIN_SOFT_BOUNCE_DAYS.
- complaint: suppressed and unsubscribed from every list.
- opt-out: unsubscribed from the send's list (from every list when it is not known).
- sender (the newsroom's own problem: authentication, reputation, rate, content): the
  reader is untouched; recorded against the send, for the desk and its pause.
- report, unknown: recorded, touching no one. auto-reply, delivered: ignored.

A report is about a reader only through what we signed (the VERP tag or a quoted
Message-ID, checked against the ledger), or, for a provider's authenticated webhook,
the address it names; anything else is "unmatched" and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bulletin.domain.models import ConsentAction, Subscriber
from bulletin.mail.returns import ReturnClass
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store import campaigns as campaign_store
from bulletin.store.readers import consent, suppressions
from bulletin.store.readers import events as event_store
from bulletin.store.readers import subscribers as subscriber_store

C = ReturnClass
EventKind = event_store.EventKind
KINDS = {
    C.ADDRESS: EventKind.BOUNCE,
    C.MAILBOX: EventKind.SOFT_BOUNCE,
    C.TEMPORARY: EventKind.SOFT_BOUNCE,
    C.COMPLAINT: EventKind.COMPLAINT,
    C.OPT_OUT: EventKind.UNSUBSCRIBE,
    C.SENDER: EventKind.SENDER,
    C.REPORT: EventKind.REPORT,
    C.UNKNOWN: EventKind.REPORT,
}
SOFT = {C.MAILBOX, C.TEMPORARY}
# The classes that act on the reader they are about, every time (a soft bounce only in the end).
ACTING = {C.ADDRESS, C.COMPLAINT, C.OPT_OUT}


@dataclass(frozen=True)
class Classified:
    """One return, classified, with the reader it is about when that can be trusted."""

    cls: ReturnClass
    dedupe_key: str  # the same return seen again (by any way in) counts once
    detail: str
    source: str  # "mail", or the provider: "ses", "sendgrid", "mailgun", "postmark"
    subscriber_id: int | None = None
    campaign_id: int | None = None


@dataclass(frozen=True)
class Applied:
    cls: ReturnClass
    action: str  # recorded, duplicate, unmatched, ignored
    email: str | None = None
    campaign_id: int | None = None
    suppressed: bool = False  # this return suppressed the reader
    unsubscribed: bool = False  # this return took the reader off a list

    @property
    def suppresses(self) -> bool:
        """Whether a return of this class, about a reader we know, acts on them."""
        return self.suppressed or self.unsubscribed


def apply(ctx: Context, item: Classified, *, actor: str) -> Applied:
    """Do what one return means, in its own transaction; the second time, nothing."""
    kind = KINDS.get(item.cls)
    if kind is None:
        return Applied(item.cls, "ignored", campaign_id=item.campaign_id)
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        subscriber = subscriber_store.get(conn, item.subscriber_id) if item.subscriber_id else None
        if subscriber is None:
            return Applied(item.cls, "unmatched", campaign_id=item.campaign_id)
        event = event_store.Event(
            kind=kind,
            campaign_id=item.campaign_id,
            subscriber_id=subscriber.id,
            email=subscriber.email,
            detail=item.detail,
            dedupe_key=item.dedupe_key,
        )
        if not event_store.record(conn, event, now=now):
            return Applied(item.cls, "duplicate", subscriber.email, item.campaign_id)
        return _act(conn, ctx, item, subscriber, actor=actor, now=now)


def _act(
    conn: Connection,
    ctx: Context,
    item: Classified,
    subscriber: Subscriber,
    *,
    actor: str,
    now: datetime,
) -> Applied:
    cls, campaign_id = item.cls, item.campaign_id
    suppressed = unsubscribed = False
    if cls is C.ADDRESS:
        suppressed = _suppress(conn, subscriber, "hard_bounce", item, actor=actor, now=now)
    elif (
        cls in SOFT
        and _soft_bounces(conn, ctx, subscriber.id, now) >= ctx.settings.soft_bounce_limit
    ):
        suppressed = _suppress(conn, subscriber, "soft_bounces", item, actor=actor, now=now)
    elif cls is C.COMPLAINT:
        suppressed = _suppress(conn, subscriber, "complaint", item, actor=actor, now=now)
        unsubscribed = _leave(conn, subscriber, None, method="complaint", item=item, now=now)
    elif cls is C.OPT_OUT:
        campaign = campaign_store.get(conn, campaign_id) if campaign_id else None
        list_id = campaign.list_id if campaign else None
        unsubscribed = _leave(conn, subscriber, list_id, method="opt-out", item=item, now=now)
    return Applied(cls, "recorded", subscriber.email, campaign_id, suppressed, unsubscribed)


def _soft_bounces(conn: Connection, ctx: Context, subscriber_id: int, now: datetime) -> int:
    """Soft bounces of the reader in the window, one a send: a provider's retries of one
    message (deferred, deferred again) are not several bounces."""
    since = now - timedelta(seconds=ctx.settings.soft_bounce_window_s)
    return event_store.soft_bounced_sends(conn, subscriber_id, since=since)


def _suppress(
    conn: Connection,
    subscriber: Subscriber,
    reason: str,
    item: Classified,
    *,
    actor: str,
    now: datetime,
) -> bool:
    if suppressions.of_reader(conn, subscriber.id) is not None:
        return False
    suppressions.add_for_reader(conn, subscriber.id, reason=reason, now=now, detail=item.detail)
    audit.record(
        conn,
        actor=actor,
        action="suppression.add",
        now=now,
        target_type="subscriber",
        target_id=subscriber.id,
        detail={"reason": reason, "campaign": item.campaign_id, "source": item.source},
    )
    return True


def _leave(
    conn: Connection,
    subscriber: Subscriber,
    list_id: int | None,
    *,
    method: str,
    item: Classified,
    now: datetime,
) -> bool:
    """Unsubscribe from one list, or from every list the reader is on (list_id None)."""
    lists = (
        [list_id] if list_id is not None else list(subscriber_store.statuses(conn, subscriber.id))
    )
    left = False
    for each in lists:
        if subscriber_store.unsubscribe(conn, subscriber.id, each, now=now):
            left = True
            consent.record(
                conn,
                subscriber_id=subscriber.id,
                list_id=each,
                action=ConsentAction.UNSUBSCRIBE,
                method=method,
                now=now,
                wording=item.detail,
            )
    return left
