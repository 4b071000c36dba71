"""The desk's view of one reader: everything we hold about them (the list is `listing`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bulletin.domain.addresses import address_key
from bulletin.domain.errors import NotFound
from bulletin.domain.models import Subscriber
from bulletin.services.context import Context
from bulletin.store.readers import consent, suppressions
from bulletin.store.readers import lookup as readers
from bulletin.store.readers import preferences as preference_store
from bulletin.store.readers import subscribers as subscriber_store


@dataclass(frozen=True)
class ReaderRecord:
    """One reader as the desk sees them: lists, topics, consent record and send history."""

    subscriber: Subscriber
    subscriptions: list[readers.SubscriptionRow]
    topics: list[str]
    consent: list[dict[str, Any]]
    sends: list[readers.SendRow]
    suppression: suppressions.Suppression | None

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None


def record(ctx: Context, subscriber_id: int) -> ReaderRecord:
    with ctx.db.transaction() as conn:
        subscriber = subscriber_store.get(conn, subscriber_id)
        if subscriber is None:
            raise NotFound(f"There is no reader {subscriber_id}.")
        return ReaderRecord(
            subscriber=subscriber,
            subscriptions=readers.subscriptions_of(conn, subscriber_id),
            topics=preference_store.topics(conn, subscriber_id),
            consent=consent.history(conn, subscriber_id),
            sends=readers.send_history(conn, subscriber_id),
            suppression=suppressions.of_reader(conn, subscriber_id),
        )


@dataclass(frozen=True)
class ReaderSummary:
    """A reader as the API returns them: their choices and where they stand on each list."""

    subscriber: Subscriber
    lists: dict[str, str]
    topics: list[str]


def page(ctx: Context, *, after: int, limit: int, email: str | None = None) -> list[ReaderSummary]:
    """Readers with id > `after`, in id order (keyset), or the one with this address."""
    with ctx.db.transaction() as conn:
        if email is not None:
            found = subscriber_store.find_by_key(conn, address_key(email))
            chosen = [found] if found and found.id > after else []
        else:
            chosen = readers.subscriber_batch(conn, after_id=after, limit=limit)
        ids = [s.id for s in chosen]
        statuses = readers.statuses_for(conn, ids) if ids else {}
        topics = readers.topics_for(conn, ids) if ids else {}
    return [ReaderSummary(s, statuses.get(s.id, {}), topics.get(s.id, [])) for s in chosen]
