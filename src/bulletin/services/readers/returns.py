"""One pipeline for returned mail, whichever way it came in: what each class does, to whom.

Every way in — the inbound listener, the polled mailbox, `bulletin bounces process`,
the mail providers' webhooks — classifies what it got (`mail.returns`,
`mail.webhooks`) and finds the reader it can trust it is about; then `apply` does the
one thing that class means, once, in a transaction it shares with the other returns
this process is taking in at that moment (`services.group_commit`):

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

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import cast
from weakref import WeakKeyDictionary

from sqlalchemy import Connection

from bulletin import metrics
from bulletin.domain.models import ConsentAction, Subscriber
from bulletin.mail.returns import ReturnClass
from bulletin.services.context import Context
from bulletin.services.group_commit import GroupCommit
from bulletin.services.webhooks import events as webhook_events
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
    """One return, classified, with what it says of the reader it is about.

    `subscriber_id` and `campaign_id` come from what we signed (a VERP tag, a quoted
    Message-ID): they are believed only where the ledger shows that campaign went to
    that reader. `address_key` is a provider's authenticated word for the reader (its
    webhook names the address): the reader with that key is believed, and the campaign
    only when our signed Message-ID names the same reader and the ledger agrees.
    """

    cls: ReturnClass
    dedupe_key: str  # the same return seen again (by any way in) counts once
    detail: str
    source: str  # "mail", or the provider: "ses", "sendgrid", "mailgun", "postmark"
    subscriber_id: int | None = None
    campaign_id: int | None = None
    address_key: str | None = None
    actor: str = "returns"  # who the audit log says acted


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


def apply(ctx: Context, item: Classified) -> Applied:
    """Do what one return means; the second time, nothing (`apply_all`, batched with the
    returns other threads of this process are taking in meanwhile)."""
    return apply_many(ctx, [item])[0]


def apply_many(ctx: Context, items: Sequence[Classified]) -> list[Applied]:
    """`apply` for several, batched with other threads' returns (`services.group_commit`):
    each result is known only once its batch is committed."""
    with _INTAKES_LOCK:
        intake = _INTAKES.get(ctx)
        if intake is None:
            intake = _INTAKES[ctx] = GroupCommit(partial(apply_all, ctx))
    return intake.run(items)


def apply_all(ctx: Context, items: Sequence[Classified]) -> list[Applied]:
    """Do what each return means, all in one transaction; a second time, nothing."""
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        results = _Batch(conn, ctx, now).apply(items)
    metrics.returns(Counter(r.cls.value for r in results if r.action == "recorded"))
    return results


_INTAKES: WeakKeyDictionary[Context, GroupCommit[Classified, Applied]] = WeakKeyDictionary()
_INTAKES_LOCK = threading.Lock()


class _Batch:
    """One transaction's returns: who each is about, read for all at once, then acted on."""

    def __init__(self, conn: Connection, ctx: Context, now: datetime) -> None:
        self.conn, self.ctx, self.now = conn, ctx, now
        self.suppressions: list[suppressions.ReaderSuppression] = []
        self.audit: list[dict[str, object]] = []
        self.suppressed: set[int] = set()

    def apply(self, items: Sequence[Classified]) -> list[Applied]:
        readers = self._readers(items)
        events = {
            item.dedupe_key: _event(item, *readers[index])
            for index, item in reversed(list(enumerate(items)))
            if KINDS.get(item.cls) is not None and readers[index][0] is not None
        }
        recorded = event_store.record_new(self.conn, list(events.values()), now=self.now)
        self.suppressed = suppressions.suppressed_readers(
            self.conn, [reader.id for reader, _ in readers if reader is not None]
        )
        taken: set[str] = set()
        results = [self._one(item, *readers[i], recorded, taken) for i, item in enumerate(items)]
        suppressions.add_for_readers(self.conn, self.suppressions, now=self.now)
        webhook_events.readers_suppressed(self.conn, self.suppressions, now=self.now)
        webhook_events.mail_returned(
            self.conn, [events[k] for k in events if k in recorded], now=self.now
        )
        audit.record_many(self.conn, self.audit, now=self.now)
        return results

    def _one(
        self,
        item: Classified,
        reader: Subscriber | None,
        campaign_id: int | None,
        recorded: set[str],
        taken: set[str],
    ) -> Applied:
        if KINDS.get(item.cls) is None:
            return Applied(item.cls, "ignored", campaign_id=item.campaign_id)
        if reader is None:
            return Applied(item.cls, "unmatched", campaign_id=campaign_id)
        if item.dedupe_key not in recorded or item.dedupe_key in taken:
            return Applied(item.cls, "duplicate", reader.email, campaign_id)
        taken.add(item.dedupe_key)
        return self._act(item, reader, campaign_id)

    def _readers(self, items: Sequence[Classified]) -> list[tuple[Subscriber | None, int | None]]:
        """(the reader, the campaign) each return is about, where they can be trusted."""
        claimed = {
            (i.campaign_id, i.subscriber_id)
            for i in items
            if i.campaign_id is not None and i.subscriber_id is not None
        }
        sent = event_store.sent_pairs(self.conn, cast(set[tuple[int, int]], claimed))
        by_key = subscriber_store.find_by_keys(
            self.conn, {i.address_key for i in items if i.address_key}
        )
        by_id = subscriber_store.get_many(
            self.conn, {s for _, s in sent} - {r.id for r in by_key.values()}
        )
        by_id.update({reader.id: reader for reader in by_key.values()})
        return [_reader_of(item, sent, by_key, by_id) for item in items]

    def _act(self, item: Classified, subscriber: Subscriber, campaign_id: int | None) -> Applied:
        cls, conn, now = item.cls, self.conn, self.now
        suppressed = unsubscribed = False
        if cls is C.ADDRESS:
            suppressed = self._suppress(subscriber, "hard_bounce", item)
        elif cls in SOFT and self._soft_limit_reached(subscriber):
            suppressed = self._suppress(subscriber, "soft_bounces", item)
        elif cls is C.COMPLAINT:
            suppressed = self._suppress(subscriber, "complaint", item)
            unsubscribed = _leave(conn, subscriber, None, method="complaint", item=item, now=now)
        elif cls is C.OPT_OUT:
            campaign = campaign_store.get(conn, campaign_id) if campaign_id else None
            list_id = campaign.list_id if campaign else None
            unsubscribed = _leave(conn, subscriber, list_id, method="opt-out", item=item, now=now)
        return Applied(cls, "recorded", subscriber.email, campaign_id, suppressed, unsubscribed)

    def _soft_limit_reached(self, subscriber: Subscriber) -> bool:
        limit = self.ctx.settings.soft_bounce_limit
        return _soft_bounces(self.conn, self.ctx, subscriber.id, self.now) >= limit

    def _suppress(self, subscriber: Subscriber, reason: str, item: Classified) -> bool:
        """Suppress the reader (written with the batch, at its end) unless they already are."""
        if subscriber.id in self.suppressed:
            return False
        self.suppressed.add(subscriber.id)
        self.suppressions.append(
            suppressions.ReaderSuppression(subscriber.id, reason=reason, detail=item.detail)
        )
        self.audit.append(
            {
                "actor": item.actor,
                "action": "suppression.add",
                "target_type": "subscriber",
                "target_id": subscriber.id,
                "detail": {"reason": reason, "campaign": item.campaign_id, "source": item.source},
            }
        )
        return True


def _reader_of(
    item: Classified,
    sent: set[tuple[int, int]],
    by_key: dict[str, Subscriber],
    by_id: dict[int, Subscriber],
) -> tuple[Subscriber | None, int | None]:
    claim = (item.campaign_id, item.subscriber_id)
    if item.address_key is not None:
        reader = by_key.get(item.address_key)
        if reader is None or item.subscriber_id != reader.id or claim not in sent:
            return reader, None
        return reader, item.campaign_id
    if claim not in sent:
        return None, None
    return by_id.get(cast(int, item.subscriber_id)), item.campaign_id


def _event(item: Classified, reader: Subscriber | None, campaign: int | None) -> event_store.Event:
    assert reader is not None
    return event_store.Event(
        kind=KINDS[item.cls],
        campaign_id=campaign,
        subscriber_id=reader.id,
        email=reader.email,
        detail=item.detail,
        dedupe_key=item.dedupe_key,
    )


def _soft_bounces(conn: Connection, ctx: Context, subscriber_id: int, now: datetime) -> int:
    """Soft bounces of the reader in the window, one a send: a provider's retries of one
    message (deferred, deferred again) are not several bounces."""
    since = now - timedelta(seconds=ctx.settings.soft_bounce_window_s)
    return event_store.soft_bounced_sends(conn, subscriber_id, since=since)


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
            webhook_events.reader_unsubscribed(conn, subscriber.id, each, via=method, now=now)
    return left
