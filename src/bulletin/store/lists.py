"""Queries over the mailing lists."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, select

from bulletin.domain.errors import UnknownList
from bulletin.domain.models import ListKind, MailingList
from bulletin.store.tables import lists


def _to_list(row: Row) -> MailingList:
    return MailingList(
        id=row.id,
        slug=row.slug,
        name=row.name,
        description=row.description,
        kind=ListKind(row.kind),
    )


def all_lists(conn: Connection) -> list[MailingList]:
    return [_to_list(row) for row in conn.execute(select(lists).order_by(lists.c.id))]


def by_slugs(conn: Connection, slugs: Sequence[str]) -> list[MailingList]:
    """The lists with these slugs, in the order given; UnknownList if any is missing."""
    found = {
        row.slug: _to_list(row)
        for row in conn.execute(select(lists).where(lists.c.slug.in_(list(slugs))))
    }
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise UnknownList(f"There is no list called {missing[0]!r}.")
    return [found[slug] for slug in slugs]


def by_id(conn: Connection, list_id: int) -> MailingList:
    row = conn.execute(select(lists).where(lists.c.id == list_id)).one_or_none()
    if row is None:
        raise UnknownList(f"There is no list with id {list_id}.")
    return _to_list(row)
