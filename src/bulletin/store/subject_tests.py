"""Subject tests in the database: the race's terms, its one winner, and its figures.

The winner is written once (`UPDATE … WHERE winner IS NULL`): whichever worker or
editor decides first, everyone after reads that decision, so the readers held for
the winner all get the same subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, literal, null, select, update

from bulletin.domain import subject_tests as rules
from bulletin.domain.models import DeliveryStatus
from bulletin.domain.subject_tests import Decision, Split, Standing, SubjectTest
from bulletin.store.tables import deliveries, link_clickers, subject_tests

# The rest released after an early decision, a keyset chunk per transaction: at a
# million readers one statement would hold SQLite's write lock for seconds.
RELEASE_CHUNK = 20_000


@dataclass(frozen=True)
class Race:
    """A campaign's subject test as it stands."""

    campaign_id: int
    test: SubjectTest
    decide_at: datetime | None
    winner: int | None
    reason: str | None
    decided_at: datetime | None
    standings: tuple[Standing, ...] = ()

    @property
    def decision(self) -> Decision | None:
        if self.winner is None:
            return None
        return Decision(self.winner, self.reason or rules.WON)


def insert(conn: Connection, campaign_id: int, test: SubjectTest) -> None:
    conn.execute(
        subject_tests.insert().values(
            campaign_id=campaign_id,
            subjects=list(test.subjects),
            share_percent=test.share_percent,
            window_s=test.window_s,
            min_clicks=test.min_clicks,
        )
    )


def start(
    conn: Connection, campaign_id: int, *, now: datetime, expires_at: datetime | None
) -> None:
    """Sending starts: the race ends one window from now (before the alert expires)."""
    row = conn.execute(
        select(subject_tests.c.window_s).where(subject_tests.c.campaign_id == campaign_id)
    ).first()
    if row is not None:
        conn.execute(
            update(subject_tests)
            .where(subject_tests.c.campaign_id == campaign_id)
            .values(decide_at=rules.decide_at(now, int(row.window_s), expires_at))
        )


def split_of(conn: Connection, campaign_id: int) -> Split | None:
    """How the fan-out divides this campaign's readers, None without a test.

    Read with a share lock on PostgreSQL: an early decision (which moves `decide_at`)
    waits for a chunk being written, and a chunk after it reads the new time.
    """
    row = conn.execute(
        select(
            subject_tests.c.subjects,
            subject_tests.c.share_percent,
            subject_tests.c.decide_at,
            subject_tests.c.winner,
        )
        .where(subject_tests.c.campaign_id == campaign_id)
        .with_for_update(read=True)
    ).first()
    # Decided (early, before the fan-out was done): the readers still to be written
    # all get the winner.
    if row is None or row.decide_at is None or row.winner is not None:
        return None
    return Split(
        variants=len(row.subjects),
        share_permille=int(row.share_percent) * 10,
        salt=campaign_id,
        decide_at=row.decide_at,
    )


def subjects_of(conn: Connection, campaign_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """The subjects each of these campaigns races (campaigns without a test left out)."""
    wanted = list(campaign_ids)
    if not wanted:
        return {}
    rows = conn.execute(
        select(subject_tests.c.campaign_id, subject_tests.c.subjects).where(
            subject_tests.c.campaign_id.in_(wanted)
        )
    )
    return {int(r.campaign_id): tuple(str(s) for s in r.subjects) for r in rows}


def race(conn: Connection, campaign_id: int) -> Race | None:
    row = conn.execute(
        select(subject_tests).where(subject_tests.c.campaign_id == campaign_id)
    ).first()
    if row is None:
        return None
    test = SubjectTest(
        tuple(str(s) for s in row.subjects),
        int(row.share_percent),
        int(row.window_s),
        int(row.min_clicks),
    )
    standings = (
        _stored(row.standings, test.subjects)
        if row.standings is not None
        else standings_now(conn, campaign_id, test.subjects)
    )
    return Race(
        campaign_id,
        test,
        row.decide_at,
        row.winner,
        row.reason,
        row.decided_at,
        standings,
    )


def standings_now(
    conn: Connection, campaign_id: int, subjects: tuple[str, ...]
) -> tuple[Standing, ...]:
    """Each subject's test readers sent so far and their unique clickers (a message
    that clicked two links counts once)."""
    rows = conn.execute(
        select(deliveries.c.variant, func.count())
        .where(
            deliveries.c.campaign_id == campaign_id,
            deliveries.c.status == DeliveryStatus.SENT,
            deliveries.c.variant.is_not(None),
        )
        .group_by(deliveries.c.variant)
    )
    sent = {int(v): int(n) for v, n in rows}
    clickers = _clickers(conn, campaign_id)
    return tuple(
        Standing(v, subject, sent.get(v, 0), clickers.get(v, 0))
        for v, subject in enumerate(subjects)
    )


def _clickers(conn: Connection, campaign_id: int) -> dict[int, int]:
    rows = conn.execute(
        select(link_clickers.c.variant, func.count(func.distinct(link_clickers.c.clicker)))
        .where(link_clickers.c.campaign_id == campaign_id, link_clickers.c.variant.is_not(None))
        .group_by(link_clickers.c.variant)
    )
    return {int(v): int(n) for v, n in rows}


def _stored(saved: object, subjects: tuple[str, ...]) -> tuple[Standing, ...]:
    figures = saved if isinstance(saved, list) else []
    return tuple(
        Standing(v, subject, int(f.get("sent", 0)), int(f.get("clickers", 0)))
        for v, (subject, f) in enumerate(zip(subjects, figures, strict=False))
        if isinstance(f, dict)
    )


def decide(conn: Connection, campaign_id: int, *, now: datetime) -> int:
    """The race's winner: decided now from the clicks so far unless already decided.
    Returns the winning subject's position."""
    found = race(conn, campaign_id)
    if found is None:
        raise LookupError(f"campaign {campaign_id} has no subject test")
    if found.winner is not None:
        return found.winner
    clickers = {s.variant: s.clickers for s in found.standings}
    decision = rules.decide(clickers, len(found.test.subjects), min_clicks=found.test.min_clicks)
    conn.execute(
        update(subject_tests)
        .where(subject_tests.c.campaign_id == campaign_id, subject_tests.c.winner.is_(None))
        .values(
            winner=decision.winner,
            reason=decision.reason,
            decided_at=now,
            decide_at=func.coalesce(subject_tests.c.decide_at, now),
            standings=[{"sent": s.sent, "clickers": s.clickers} for s in found.standings],
        )
    )
    winner = conn.execute(
        select(subject_tests.c.winner).where(subject_tests.c.campaign_id == campaign_id)
    ).scalar_one()
    return int(winner)


def end_early(conn: Connection, campaign_id: int, *, now: datetime) -> datetime | None:
    """Bring the race's end forward to now; returns when it was to end (the time its held
    readers wait for, see `release_held`), None if it has already ended."""
    planned = conn.execute(
        select(subject_tests.c.decide_at).where(
            subject_tests.c.campaign_id == campaign_id, subject_tests.c.decide_at > now
        )
    ).scalar_one_or_none()
    if planned is None:
        return None
    conn.execute(
        update(subject_tests)
        .where(subject_tests.c.campaign_id == campaign_id)
        .values(decide_at=now)
    )
    return planned


def release_held(
    conn: Connection, campaign_id: int, *, held_until: datetime, now: datetime, after: int
) -> int | None:
    """Make the next chunk of held rows (queued without a subject for the race's planned
    end) due now. Rows queued for their own later time (a briefing's later zones) keep
    it. Returns the last row id moved, None when none were left."""
    held = and_(
        deliveries.c.campaign_id == campaign_id,
        deliveries.c.status == DeliveryStatus.QUEUED,
        deliveries.c.send_after == held_until,
        deliveries.c.variant.is_(None),
        deliveries.c.id > after,
    )
    ids = [
        int(i)
        for i in conn.execute(
            select(deliveries.c.id).where(held).order_by(deliveries.c.id).limit(RELEASE_CHUNK)
        ).scalars()
    ]
    if not ids:
        return None
    conn.execute(update(deliveries).where(deliveries.c.id.in_(ids)).values(send_after=now))
    return ids[-1]


def tested(conn: Connection, campaign_ids: Iterable[int]) -> set[int]:
    """Which of these campaigns race subjects."""
    wanted = list(campaign_ids)
    if not wanted:
        return set()
    rows = conn.execute(
        select(subject_tests.c.campaign_id).where(subject_tests.c.campaign_id.in_(wanted))
    )
    return {int(r[0]) for r in rows}


def variants_of(
    conn: Connection, campaign_id: int, subscriber_ids: Iterable[int]
) -> Mapping[int, int]:
    """The subject each of these readers was sent in this campaign's race (the rest
    and readers outside the test left out)."""
    wanted = sorted(set(subscriber_ids))
    found: dict[int, int] = {}
    for start in range(0, len(wanted), 500):
        rows = conn.execute(
            select(deliveries.c.subscriber_id, deliveries.c.variant).where(
                deliveries.c.campaign_id == campaign_id,
                deliveries.c.subscriber_id.in_(wanted[start : start + 500]),
                deliveries.c.variant.is_not(None),
            )
        )
        found.update({int(s): int(v) for s, v in rows})
    return found


def split_columns(
    split: Split | None, reader: ColumnElement[int], send_after: datetime
) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """Each new ledger row's (send_after, variant), for an INSERT … SELECT over readers:
    `send_after` and no subject without a test; with one, the test's readers (by a hash
    of their id, the same on a rerun) get a subject each and go at `send_after`, and the
    rest wait for the race to end."""
    at = literal(send_after, type_=deliveries.c.send_after.type)
    if split is None:
        return at, null()
    # Multiplicative hashes into 32 bits, salted by the campaign (so each send tests
    # other readers): one picks the test's readers (its top bits scaled to 0-999,
    # against the share in permille), the other their subject. Every product stays
    # under 2**63: SQLite turns an integer that overflows into a float.
    mixed = (reader + split.salt * 40503) % 4294967296
    picked = (mixed * 1640531527 % 4294967296) // 4294968 < split.share_permille
    subject = (mixed * 1103515245 + 12345) % 4294967296 // 65536 % split.variants
    later = literal(max(split.decide_at, send_after), type_=deliveries.c.send_after.type)
    return case((picked, at), else_=later), case((picked, subject), else_=null())
