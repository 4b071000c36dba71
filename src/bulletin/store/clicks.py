"""Counted links: each campaign's URLs, and the clicks recorded against them in batches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from bulletin.store import subject_tests
from bulletin.store.readers.events import epoch_minute
from bulletin.store.tables import campaign_links, campaigns, link_clickers, link_clicks
from bulletin.store.upsert import insert_adding, insert_ignoring_conflicts


@dataclass(frozen=True)
class FirstClick:
    """One message's first click on one link (a row of `link_clickers`)."""

    campaign_id: int
    position: int
    clicker: str
    subscriber_id: int | None  # kept only with per-reader history
    at: datetime
    # Whose message it was, to find the subject it was sent with when its campaign
    # raced subjects; never stored.
    reader_id: int | None = None


@dataclass(frozen=True)
class LinkCount:
    position: int
    url: str
    clicks: int
    ignored: int
    unique: int


def link_positions(conn: Connection, campaign_id: int, urls: Sequence[str]) -> dict[str, int]:
    """Each URL's position among the campaign's links, numbering the new ones after the
    last. Two workers numbering at once cannot give one position two URLs: the primary
    key keeps the first, and the loser numbers its URLs again after it."""
    wanted = list(dict.fromkeys(urls))
    while True:
        known = {url: position for position, url in enumerate_links(conn, campaign_id)}
        missing = [url for url in wanted if url not in known]
        if not missing:
            return {url: known[url] for url in wanted}
        start = max(known.values(), default=-1) + 1
        conn.execute(
            insert_ignoring_conflicts(conn, campaign_links),
            [
                {"campaign_id": campaign_id, "position": start + i, "url": url}
                for i, url in enumerate(missing)
            ],
        )


def enumerate_links(conn: Connection, campaign_id: int) -> list[tuple[int, str]]:
    rows = conn.execute(
        select(campaign_links.c.position, campaign_links.c.url)
        .where(campaign_links.c.campaign_id == campaign_id)
        .order_by(campaign_links.c.position)
    )
    return [(int(p), str(u)) for p, u in rows]


def started_at(conn: Connection, campaign_id: int) -> tuple[bool, datetime | None]:
    """Whether the campaign exists, and when it started sending."""
    row = conn.execute(select(campaigns.c.started_at).where(campaigns.c.id == campaign_id)).first()
    return (row is not None, row[0] if row is not None else None)


def record(
    conn: Connection,
    *,
    totals: Mapping[tuple[int, int], tuple[int, int]],
    firsts: Sequence[FirstClick],
) -> None:
    """Add a batch: (clicks, ignored) per (campaign, position), and first clicks (a
    message's later clicks on a link it clicked before change nothing)."""
    if totals:
        conn.execute(
            insert_adding(
                conn, link_clicks, keys=("campaign_id", "position"), adding=("clicks", "ignored")
            ),
            [
                {"campaign_id": c, "position": p, "clicks": n, "ignored": ignored}
                for (c, p), (n, ignored) in totals.items()
            ],
        )
    if firsts:
        variants = _variants(conn, firsts)
        conn.execute(
            insert_ignoring_conflicts(conn, link_clickers),
            [
                {
                    "campaign_id": f.campaign_id,
                    "position": f.position,
                    "clicker": f.clicker,
                    "subscriber_id": f.subscriber_id,
                    "first_at": f.at,
                    "variant": variants.get((f.campaign_id, f.reader_id)),
                }
                for f in firsts
            ],
        )


def _variants(conn: Connection, firsts: Sequence[FirstClick]) -> dict[tuple[int, int | None], int]:
    """The subject each first click's message was sent with, for campaigns racing
    subjects: read from the ledger, the one record of who got which."""
    found: dict[tuple[int, int | None], int] = {}
    for campaign_id in subject_tests.tested(conn, {f.campaign_id for f in firsts}):
        readers = [f.reader_id for f in firsts if f.campaign_id == campaign_id and f.reader_id]
        for reader, variant in subject_tests.variants_of(conn, campaign_id, readers).items():
            found[(campaign_id, reader)] = variant
    return found


def link_counts(conn: Connection, campaign_id: int) -> list[LinkCount]:
    """Every link of the campaign, clicked or not, in the order the message has them."""
    uniques = (
        select(link_clickers.c.position, func.count().label("unique"))
        .where(link_clickers.c.campaign_id == campaign_id)
        .group_by(link_clickers.c.position)
        .subquery()
    )
    rows = conn.execute(
        select(
            campaign_links.c.position,
            campaign_links.c.url,
            func.coalesce(link_clicks.c.clicks, 0),
            func.coalesce(link_clicks.c.ignored, 0),
            func.coalesce(uniques.c.unique, 0),
        )
        .select_from(
            campaign_links.outerjoin(
                link_clicks,
                (link_clicks.c.campaign_id == campaign_links.c.campaign_id)
                & (link_clicks.c.position == campaign_links.c.position),
            ).outerjoin(uniques, uniques.c.position == campaign_links.c.position)
        )
        .where(campaign_links.c.campaign_id == campaign_id)
        .order_by(campaign_links.c.position)
    )
    return [LinkCount(int(p), str(u), int(n), int(i), int(q)) for p, u, n, i, q in rows]


def unique_clickers(conn: Connection, campaign_ids: Iterable[int]) -> dict[int, int]:
    """Messages that clicked at least one link, per campaign."""
    ids = list(campaign_ids)
    if not ids:
        return {}
    per = (
        select(link_clickers.c.campaign_id, link_clickers.c.clicker)
        .where(link_clickers.c.campaign_id.in_(ids))
        .distinct()
        .subquery()
    )
    rows = conn.execute(select(per.c.campaign_id, func.count()).group_by(per.c.campaign_id))
    found = {int(c): int(n) for c, n in rows}
    return {c: found.get(c, 0) for c in ids}


def first_clickers_per_minute(conn: Connection, campaign_id: int) -> list[tuple[int, int]]:
    """(minute since the epoch, messages whose first click was in it), oldest first."""
    firsts = (
        select(func.min(link_clickers.c.first_at).label("first"))
        .where(link_clickers.c.campaign_id == campaign_id)
        .group_by(link_clickers.c.clicker)
        .subquery()
    )
    minute = epoch_minute(conn, firsts.c.first)
    rows = conn.execute(select(minute, func.count()).group_by(minute).order_by(minute))
    return [(int(m), int(n)) for m, n in rows]


def reader_history(
    conn: Connection, subscriber_id: int, *, limit: int = 50
) -> list[tuple[datetime, str, str]]:
    """(first click, campaign subject, URL) of one reader's clicks, newest first: kept
    only with BULLETIN_CLICK_TRACKING=per-reader."""
    rows = conn.execute(
        select(link_clickers.c.first_at, campaigns.c.subject, campaign_links.c.url)
        .select_from(
            link_clickers.join(campaigns, campaigns.c.id == link_clickers.c.campaign_id).join(
                campaign_links,
                (campaign_links.c.campaign_id == link_clickers.c.campaign_id)
                & (campaign_links.c.position == link_clickers.c.position),
            )
        )
        .where(link_clickers.c.subscriber_id == subscriber_id)
        .order_by(link_clickers.c.first_at.desc())
        .limit(limit)
    )
    return [(at, str(subject), str(url)) for at, subject, url in rows]


def recent_started(conn: Connection, kind: str, *, limit: int) -> list[int]:
    """The latest campaigns of this kind that started sending, newest first."""
    return [
        int(c)
        for c in conn.execute(
            select(campaigns.c.id)
            .where(campaigns.c.kind == kind, campaigns.c.started_at.is_not(None))
            .order_by(campaigns.c.started_at.desc(), campaigns.c.id.desc())
            .limit(limit)
        ).scalars()
    ]


def has_links(conn: Connection, campaign_id: int) -> bool:
    found = conn.execute(
        select(campaign_links.c.position)
        .where(campaign_links.c.campaign_id == campaign_id)
        .limit(1)
    ).first()
    return found is not None
