"""The preference centre: what a reader gets, changed from a signed link in any email.

The link is purpose-bound (its own salt) and names the address it was sent to, so
whoever holds it has shown they read that inbox: joining a list here needs no second
confirmation. Every change is written to the consent record with how and from where.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from bulletin.domain.errors import TokenInvalid
from bulletin.domain.models import ConsentAction, MailingList, Subscriber, SubscriptionStatus
from bulletin.domain.topics import valid_briefing_time, valid_time_zone, valid_topics
from bulletin.mail.tokens import PreferencesClaim
from bulletin.services.context import Context
from bulletin.services.readers.subscriptions import Requester, linked_reader
from bulletin.services.webhooks import events as webhook_events
from bulletin.store import clicks as click_store
from bulletin.store import lists as list_store
from bulletin.store.readers import consent
from bulletin.store.readers import preferences as preference_store
from bulletin.store.readers import subscribers as subscriber_store

# Writes one consent record: what was done, to which list (None: not list-specific), wording.
_Record = Callable[[ConsentAction, int | None, str | None], None]


@dataclass(frozen=True)
class ListChoice:
    mailing_list: MailingList
    status: SubscriptionStatus | None

    @property
    def subscribed(self) -> bool:
        return self.status is SubscriptionStatus.CONFIRMED


@dataclass(frozen=True)
class Preferences:
    email: str
    lists: tuple[ListChoice, ...]
    topics: tuple[str, ...]
    time_zone: str | None
    briefing_time: str
    # (first click, email subject, link) with per-reader click history on, newest first.
    clicks: tuple[tuple[datetime, str, str], ...] = ()


@dataclass(frozen=True)
class PreferenceChange:
    """What the reader asks for: the lists and topics they want, their zone and time."""

    lists: list[str]
    topics: list[str]
    time_zone: str
    briefing_time: str


def load(ctx: Context, token: str) -> Preferences:
    """The reader's current choices; changes nothing."""
    claim = _claim(ctx, token)
    with ctx.db.transaction() as conn:
        subscriber = _subject(conn, claim)
        found = _preferences(conn, subscriber)
        if ctx.settings.click_tracking == "per-reader":
            found = replace(found, clicks=tuple(click_store.reader_history(conn, subscriber.id)))
        return found


def update(
    ctx: Context, token: str, change: PreferenceChange, *, requester: Requester
) -> Preferences:
    """Apply the reader's choices in one transaction; InvalidInput changes nothing."""
    claim = _claim(ctx, token)
    topics = valid_topics(change.topics)
    zone = valid_time_zone(change.time_zone) if change.time_zone.strip() else None
    at = valid_briefing_time(change.briefing_time)
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        subscriber = _subject(conn, claim)
        wanted = {ml.id for ml in list_store.by_slugs(conn, list(dict.fromkeys(change.lists)))}
        record = _recorder(conn, subscriber.id, requester, ctx)
        _apply_lists(conn, subscriber.id, wanted, record=record, ctx=ctx)
        current = preference_store.topics(conn, subscriber.id)
        if current != sorted(topics):
            preference_store.set_topics(conn, subscriber.id, topics, now=now)
            record(ConsentAction.UPDATE, None, f"topics: {', '.join(topics) or 'all'}")
        if (subscriber.time_zone, subscriber.briefing_time) != (zone, at):
            preference_store.set_schedule(conn, subscriber.id, time_zone=zone, briefing_time=at)
            record(
                ConsentAction.UPDATE,
                None,
                f"time zone: {subscriber.time_zone or 'default'} → {zone or 'default'}; "
                f"briefing time: {subscriber.briefing_time} → {at}",
            )
        return _preferences(conn, _subject(conn, claim))


def leave_all(ctx: Context, token: str, *, requester: Requester) -> Preferences:
    """Unsubscribe from every list at once."""
    claim = _claim(ctx, token)
    with ctx.db.transaction() as conn:
        subscriber = _subject(conn, claim)
        record = _recorder(conn, subscriber.id, requester, ctx)
        _apply_lists(conn, subscriber.id, set(), record=record, ctx=ctx)
        return _preferences(conn, subscriber)


def _apply_lists(
    conn: Connection, subscriber_id: int, wanted: set[int], *, record: _Record, ctx: Context
) -> None:
    now = ctx.clock()
    statuses = subscriber_store.statuses(conn, subscriber_id)
    for ml in list_store.all_lists(conn):
        if ml.id in wanted and preference_store.join(conn, subscriber_id, ml.id, now=now):
            record(ConsentAction.JOIN, ml.id, f"{ml.name}: {ml.description}")
            webhook_events.reader_confirmed(conn, subscriber_id, [ml.id], now=now)
        elif (
            ml.id not in wanted
            and statuses.get(ml.id) is SubscriptionStatus.CONFIRMED
            and subscriber_store.unsubscribe(conn, subscriber_id, ml.id, now=now)
        ):
            record(ConsentAction.UNSUBSCRIBE, ml.id, None)
            webhook_events.reader_unsubscribed(
                conn, subscriber_id, ml.id, via="preferences", now=now
            )


def _recorder(conn: Connection, subscriber_id: int, requester: Requester, ctx: Context) -> _Record:
    """A function that writes one consent record for this reader and request."""

    def record(action: ConsentAction, list_id: int | None, wording: str | None) -> None:
        consent.record(
            conn,
            subscriber_id=subscriber_id,
            list_id=list_id,
            action=action,
            method=requester.method,
            now=ctx.clock(),
            ip=requester.ip,
            user_agent=requester.user_agent,
            wording=wording,
        )

    return record


def _claim(ctx: Context, token: str) -> PreferencesClaim:
    # Preference links live as long as unsubscribe links: both sit in the same emails.
    return ctx.tokens.read_preferences(token, max_age_s=ctx.settings.unsubscribe_max_age_s)


def _subject(conn: Connection, claim: PreferencesClaim) -> Subscriber:
    """The reader the link names, if the address it was sent to is still theirs."""
    linked = linked_reader(conn, claim.subscriber_id)
    if linked is None or linked[1] != claim.address_hash:
        raise TokenInvalid("This preferences link is for a subscription that no longer exists.")
    return linked[0]


def _preferences(conn: Connection, subscriber: Subscriber) -> Preferences:
    statuses = subscriber_store.statuses(conn, subscriber.id)
    return Preferences(
        email=subscriber.email,
        lists=tuple(ListChoice(ml, statuses.get(ml.id)) for ml in list_store.all_lists(conn)),
        topics=tuple(preference_store.topics(conn, subscriber.id)),
        time_zone=subscriber.time_zone,
        briefing_time=subscriber.briefing_time,
    )
