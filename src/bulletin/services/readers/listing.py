"""The desk's list of readers: newest first, by keyset pages, filtered by list and standing,
searched by the start of the address, each reader shown with where they stand on each list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from bulletin.domain.addresses import address_key
from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import Subscriber
from bulletin.services.context import Context
from bulletin.store import lists as list_store
from bulletin.store.readers import listing, suppressions
from bulletin.store.readers import lookup as readers
from bulletin.store.readers.listing import Standing

PAGE_SIZE = 50
MAX_SEARCH = 320  # the longest address there is
STANDINGS = tuple(s.value for s in Standing)


@dataclass(frozen=True)
class Query:
    """What the editor asked for, as typed (the empty query lists everyone)."""

    q: str = ""
    list_slug: str = ""
    standing: str = ""
    before: int | None = None
    after: int | None = None


@dataclass(frozen=True)
class ListedReader:
    subscriber: Subscriber
    lists: dict[str, str]  # list slug -> status
    suppressed: bool


@dataclass(frozen=True)
class Listing:
    readers: list[ListedReader]
    count: int  # counted no further than COUNT_CAP + 1
    capped: bool
    newer_than: int | None  # the cursor for the newer page, if there is one
    older_than: int | None  # the cursor for the older page, if there is one


def list_readers(ctx: Context, query: Query) -> Listing:
    """One page of the readers `query` asks for; InvalidInput for a list or standing that
    does not exist."""
    with ctx.db.transaction() as conn:
        filters = listing.Filters(
            prefix=_prefix(query.q),
            list_id=_list_id(conn, query.list_slug),
            standing=_standing(query.standing),
        )
        found = listing.page(conn, filters, before=query.before, after=query.after, limit=PAGE_SIZE)
        ids = [s.id for s in found.readers]
        statuses = readers.statuses_for(conn, ids) if ids else {}
        suppressed = suppressions.suppressed_readers(conn, ids)
        counted = listing.count(conn, filters)
    rows = [ListedReader(s, statuses.get(s.id, {}), s.id in suppressed) for s in found.readers]
    return Listing(
        readers=rows,
        count=min(counted, listing.COUNT_CAP),
        capped=counted > listing.COUNT_CAP,
        newer_than=rows[0].subscriber.id if rows and found.newer else None,
        older_than=rows[-1].subscriber.id if rows and found.older else None,
    )


def _prefix(q: str) -> str:
    """The address key's start to look for: a whole address in its canonical form (any
    spelling of it finds its reader), otherwise the text in lower case."""
    q = q.strip()
    if len(q) > MAX_SEARCH:
        raise InvalidInput("That is longer than any email address: type its start.")
    try:
        return address_key(q) if "@" in q else q.lower()
    except InvalidInput:
        return q.lower()


def _list_id(conn: Connection, slug: str) -> int | None:
    if not slug:
        return None
    return list_store.by_slugs(conn, [slug])[0].id


def _standing(value: str) -> Standing | None:
    if not value:
        return None
    try:
        return Standing(value)
    except ValueError as exc:
        choices = ", ".join(s.value for s in Standing)
        raise InvalidInput(f"Choose a status among {choices}.") from exc
