"""The audience of a send, defined once: a list's confirmed readers whose address is not
suppressed. The fan-outs write exactly these readers and `size` counts exactly them, so
the number an editor confirms is the number that is sent.

A reader is suppressed when the keyed hash of their address key, stored with them, is
on the suppression list: one indexed equality per reader, as plain addresses were, so
every spelling of an address is suppressed by one row and no key is needed to send.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, Exists, FromClause, Join, Select, func, select

from bulletin.domain.models import SubscriptionStatus
from bulletin.store.tables import subscribers, subscriptions, suppressions


def confirmed_on(list_id: int) -> ColumnElement[bool]:
    """The enclosing `subscriptions` row is a confirmed subscription to this list."""
    return (subscriptions.c.list_id == list_id) & (
        subscriptions.c.status == SubscriptionStatus.CONFIRMED
    )


def _suppressed(reader: FromClause) -> Join:
    """The readers of `reader` (subscribers, or an alias) whose address is suppressed
    (bounced, complained, banned): the one place that says what suppressed means."""
    return reader.join(suppressions, suppressions.c.address_hash == reader.c.address_hash)


def reader_suppressed(reader_id: ColumnElement[int]) -> Exists:
    """EXISTS: the reader with this id must never be mailed again."""
    reader = subscribers.alias("reader")
    return (
        select(reader.c.id)
        .select_from(_suppressed(reader))
        .where(reader.c.id == reader_id)
        .exists()
    )


def readers(list_id: int, *, after: int | None = None) -> Select[tuple[int]]:
    """The audience's subscriber ids (after a keyset cursor), as `subscriptions` rows."""
    query = select(subscriptions.c.subscriber_id).where(
        confirmed_on(list_id), ~reader_suppressed(subscriptions.c.subscriber_id)
    )
    return query if after is None else query.where(subscriptions.c.subscriber_id > after)


def size(conn: Connection, list_id: int) -> int:
    """How many readers a send to this list reaches now.

    Confirmed readers minus the suppressed among them, counted from the (short)
    suppression list's side: asking each of a million readers whether they are
    suppressed took 0.55 s at 1,000,000 on SQLite (this way 0.26 s), inside the
    transaction that starts an alert. Exact, since a reader has one subscription per
    list, and an address key one reader and one suppression.
    """
    confirmed = select(func.count()).select_from(subscriptions).where(confirmed_on(list_id))
    readers_of_list = subscriptions.c.subscriber_id == subscribers.c.id
    suppressed = (
        select(func.count())
        .select_from(_suppressed(subscribers).join(subscriptions, readers_of_list))
        .where(confirmed_on(list_id))
    )
    return int(conn.execute(confirmed).scalar_one()) - int(conn.execute(suppressed).scalar_one())
