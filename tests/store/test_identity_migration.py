"""Migration 0010 on real data: case-duplicates merged into one reader, suppressions hashed.

Each test builds a database at 0009 holding what the old schema allowed (one address
spelt three ways, each with its own lists, consent, topics, events and ledger rows),
upgrades it, and reads what came out, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from bulletin.domain.addresses import IdentityHasher
from bulletin.mail.tokens import address_hash
from bulletin.services.context import Context
from bulletin.services.readers import preferences, subscriptions
from bulletin.store import migrate
from bulletin.store.db import Database
from bulletin.store.tables import (
    audit_log,
    consent_records,
    deliveries,
    events,
    outbox,
    subscriber_aliases,
    subscriber_topics,
    subscribers,
    suppressions,
)
from bulletin.store.tables import subscriptions as subscription_rows
from bulletin.store.types import UtcDateTime
from tests.support.factories import SUPPRESSION_KEY, web_requester

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BREAKING, SPECIAL, BRIEFING = 1, 2, 3
OLDEST, LATER, LATEST, OTHER = 1, 2, 3, 4
SPELLINGS = {
    OLDEST: "Case.Test@example.com",
    LATER: "case.test@example.com",
    LATEST: "CASE.TEST@example.com",
    OTHER: "someone.else@example.com",
}
digest = IdentityHasher(SUPPRESSION_KEY).digest


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _insert(conn: sa.Connection, name: str, rows: list[dict[str, Any]]) -> None:
    """Rows written as the old schema takes them (times through our UTC column type)."""
    timed = {"created_at", "confirmed_at", "unsubscribed_at", "occurred_at", "send_after"}
    columns = [sa.column(k, UtcDateTime() if k in timed else None) for k in rows[0]]
    conn.execute(sa.table(name, *columns).insert(), rows)


def _old_data(db: Database) -> None:
    """One address in three spellings (and another reader), as 0009 could hold them."""
    with db.transaction() as conn:
        _insert(
            conn,
            "subscribers",
            [
                {"id": i, "email": e, "created_at": _at(i), "confirmed_at": _at(i + 0.5)}
                for i, e in SPELLINGS.items()
            ],
        )
        _insert(
            conn,
            "subscriptions",
            [
                # breaking: confirmed, then left under the second spelling: left wins
                _sub(OLDEST, BREAKING, "confirmed", confirmed=1.5),
                _sub(LATER, BREAKING, "unsubscribed", confirmed=2.5, left=30),
                # special reports: pending, confirmed under another spelling: confirmed
                _sub(OLDEST, SPECIAL, "pending"),
                _sub(LATEST, SPECIAL, "confirmed", confirmed=3.5),
                # the briefing only under the second spelling: kept
                _sub(LATER, BRIEFING, "confirmed", confirmed=2.5),
                _sub(OTHER, BREAKING, "confirmed", confirmed=4.5),
            ],
        )
        _insert(
            conn,
            "consent_records",
            [
                {"subscriber_id": s, "list_id": 1, "action": "sign_up", "method": "web"}
                | {"occurred_at": _at(s)}
                for s in (OLDEST, LATER, LATEST, OTHER)
            ],
        )
        _insert(
            conn,
            "subscriber_topics",
            [
                {"subscriber_id": OLDEST, "topic": "politics", "created_at": _at(1)},
                {"subscriber_id": LATER, "topic": "politics", "created_at": _at(2)},
                {"subscriber_id": LATER, "topic": "science", "created_at": _at(2)},
            ],
        )
        _insert(
            conn,
            "campaigns",
            [
                {"id": c, "kind": "alert", "list_id": BREAKING, "status": "sent"}
                | {"subject": f"Alert {c}", "headline": "H", "summary": "S", "url": "https://x"}
                | {"created_at": _at(10 + c)}
                for c in (1, 2, 3)
            ],
        )
        _insert(
            conn,
            "deliveries",
            [
                # campaign 1 went to two spellings: the sent one is kept, the queued dropped
                _row(10, 1, LATER, "queued"),
                _row(11, 1, OLDEST, "sent"),
                # campaign 2: both queued, the survivor's own row is kept
                _row(12, 2, OLDEST, "queued"),
                _row(13, 2, LATEST, "queued"),
                # campaign 3: only the latest spelling had it; it moves
                _row(14, 3, LATEST, "sent"),
                _row(15, 3, OTHER, "sent"),
            ],
        )
        _insert(
            conn,
            "events",
            [
                {"campaign_id": 3, "subscriber_id": LATEST, "kind": "soft_bounce"}
                | {"email": SPELLINGS[LATEST], "occurred_at": _at(20)},
            ],
        )
        _insert(
            conn,
            "outbox",
            [
                {"kind": "confirm", "subscriber_id": LATER, "status": "sent", "attempts": 1}
                | {"send_after": _at(2), "created_at": _at(2)},
            ],
        )
        _insert(
            conn,
            "suppressions",
            [
                {"email": "Bounced@example.org", "reason": "hard_bounce", "created_at": _at(5)},
                {"email": "bounced@example.org", "reason": "complaint", "created_at": _at(6)},
                {"email": "x@example.net", "reason": "complaint", "created_at": _at(7)},
            ],
        )


def _sub(
    reader: int, list_id: int, status: str, *, confirmed: float | None = None, left: float = 0
) -> dict[str, Any]:
    return {
        "subscriber_id": reader,
        "list_id": list_id,
        "status": status,
        "created_at": _at(reader),
        "confirmed_at": None if confirmed is None else _at(confirmed),
        "unsubscribed_at": _at(left) if left else None,
    }


def _row(row_id: int, campaign: int, reader: int, status: str) -> dict[str, Any]:
    return {
        "id": row_id,
        "campaign_id": campaign,
        "subscriber_id": reader,
        "status": status,
        "send_after": _at(10 + campaign),
        "attempts": 0,
    }


@pytest.fixture
def old_database(ctx: Context) -> Iterator[Database]:
    """The test's database taken back to 0009 and filled; left at the head afterwards."""
    db = Database(ctx.settings.database_url)
    migrate.downgrade(db, "base")
    migrate.upgrade(db, "0009")
    _old_data(db)
    try:
        yield db
    finally:
        migrate.downgrade(db, "base")
        migrate.upgrade(db)
        db.dispose()


def _rows(db: Database, table: sa.Table, *order: Any) -> list[dict[str, Any]]:
    with db.transaction() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(*order))]


def test_one_reader_survives_per_address_the_oldest_as_typed(old_database: Database) -> None:
    migrate.upgrade(old_database, suppression_key=SUPPRESSION_KEY)
    readers = _rows(old_database, subscribers, subscribers.c.id)
    assert [(r["id"], r["email"], r["address_key"]) for r in readers] == [
        (OLDEST, "Case.Test@example.com", "case.test@example.com"),
        (OTHER, "someone.else@example.com", "someone.else@example.com"),
    ]
    assert readers[0]["address_hash"] == digest("case.test@example.com")
    assert readers[0]["confirmed_at"] == _at(OLDEST + 0.5)


def test_lists_merge_with_the_unsubscribe_winning_and_confirmed_beating_pending(
    old_database: Database,
) -> None:
    migrate.upgrade(old_database, suppression_key=SUPPRESSION_KEY)
    merged = {
        r["list_id"]: r
        for r in _rows(old_database, subscription_rows, subscription_rows.c.list_id)
        if r["subscriber_id"] == OLDEST
    }
    assert {k: r["status"] for k, r in merged.items()} == {
        BREAKING: "unsubscribed",
        SPECIAL: "confirmed",
        BRIEFING: "confirmed",
    }
    assert merged[BREAKING]["unsubscribed_at"] == _at(30)
    assert merged[BREAKING]["confirmed_at"] == _at(1.5)  # the history stays
    assert merged[SPECIAL]["confirmed_at"] == _at(3.5)
    assert merged[SPECIAL]["created_at"] == _at(OLDEST)


def test_consent_topics_events_and_queued_mail_all_move_to_the_survivor(
    old_database: Database,
) -> None:
    migrate.upgrade(old_database, suppression_key=SUPPRESSION_KEY)
    consent = _rows(old_database, consent_records, consent_records.c.id)
    assert [r["subscriber_id"] for r in consent] == [OLDEST, OLDEST, OLDEST, OTHER]
    topics = _rows(old_database, subscriber_topics, subscriber_topics.c.topic)
    assert [(r["subscriber_id"], r["topic"]) for r in topics] == [
        (OLDEST, "politics"),
        (OLDEST, "science"),
    ]
    assert [r["subscriber_id"] for r in _rows(old_database, events, events.c.id)] == [OLDEST]
    assert [r["subscriber_id"] for r in _rows(old_database, outbox, outbox.c.id)] == [OLDEST]


def test_the_ledger_keeps_one_row_per_campaign_the_one_that_was_sent(
    old_database: Database,
) -> None:
    migrate.upgrade(old_database, suppression_key=SUPPRESSION_KEY)
    ledger = _rows(old_database, deliveries, deliveries.c.id)
    assert [(r["id"], r["campaign_id"], r["subscriber_id"], r["status"]) for r in ledger] == [
        (11, 1, OLDEST, "sent"),
        (12, 2, OLDEST, "queued"),
        (14, 3, OLDEST, "sent"),
        (15, 3, OTHER, "sent"),
    ]


def test_each_merge_is_audited_by_id_and_leaves_aliases_for_old_links(
    old_database: Database,
) -> None:
    migrate.upgrade(old_database, suppression_key=SUPPRESSION_KEY)
    [entry] = _rows(old_database, audit_log, audit_log.c.id)
    assert (entry["action"], entry["target_type"], entry["target_id"]) == (
        "subscriber.merge",
        "subscriber",
        str(OLDEST),
    )
    assert entry["detail"]["merged"] == [LATER, LATEST]
    assert entry["detail"]["lists"] == {
        "breaking": "unsubscribed",
        "special-reports": "confirmed",
        "morning-briefing": "confirmed",
    }
    assert sorted(entry["detail"]["ledger_rows_dropped"], key=lambda d: d["campaign"]) == [
        {"campaign": 1, "status": "queued"},
        {"campaign": 2, "status": "queued"},
    ]
    assert "case.test" not in str(entry).lower()  # ids only, no address
    aliases = _rows(old_database, subscriber_aliases, subscriber_aliases.c.old_id)
    assert [(a["old_id"], a["subscriber_id"], a["address_fingerprint"]) for a in aliases] == [
        (LATER, OLDEST, address_hash(SPELLINGS[LATER])),
        (LATEST, OLDEST, address_hash(SPELLINGS[LATEST])),
    ]


def test_links_mailed_to_a_merged_away_spelling_still_work(
    old_database: Database, ctx: Context
) -> None:
    migrate.upgrade(old_database, suppression_key=SUPPRESSION_KEY)
    leave = ctx.tokens.unsubscribe(LATER, BRIEFING)
    left = subscriptions.unsubscribe(ctx, leave, requester=web_requester())
    assert left.email == "Case.Test@example.com" and not left.subscribed
    statuses = {
        r["list_id"]: r["status"] for r in _rows(old_database, subscription_rows, "list_id")
    }
    assert statuses[BRIEFING] == "unsubscribed"
    centre = preferences.load(ctx, ctx.tokens.preferences(LATEST, SPELLINGS[LATEST]))
    assert centre.email == "Case.Test@example.com"


def test_suppressions_become_keyed_hashes_one_per_address_the_oldest_kept(
    old_database: Database,
) -> None:
    migrate.upgrade(old_database, suppression_key=SUPPRESSION_KEY)
    rows = _rows(old_database, suppressions, suppressions.c.id)
    assert [(r["address_hash"], r["reason"]) for r in rows] == [
        (digest("bounced@example.org"), "hard_bounce"),
        (digest("x@example.net"), "complaint"),
    ]
    assert "email" not in rows[0]


def test_the_upgrade_refuses_to_run_without_the_key_and_changes_nothing(
    old_database: Database,
) -> None:
    with pytest.raises(RuntimeError, match="needs BULLETIN_SUPPRESSION_KEY"):
        migrate.upgrade(old_database)
    assert migrate.current_revision(old_database) == "0009"
    with old_database.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(subscribers)).scalar_one() == 4


def test_a_downgrade_gives_suppressions_back_the_addresses_it_can_and_an_upgrade_the_hashes(
    old_database: Database,
) -> None:
    migrate.upgrade(old_database, suppression_key=SUPPRESSION_KEY)
    with old_database.transaction() as conn:
        conn.execute(
            suppressions.insert().values(
                address_hash=digest(SPELLINGS[OTHER]), reason="complaint", created_at=_at(9)
            )
        )
    migrate.downgrade(old_database, "0009")
    with old_database.transaction() as conn:
        emails = list(conn.execute(sa.text("SELECT email FROM suppressions ORDER BY id")).scalars())
    # A reader who is still here gets their address back; the others (erased, or never a
    # reader) keep their hash in a form that suppresses no one until the next upgrade.
    assert emails == [
        f"{digest('bounced@example.org')}@erased.invalid",
        f"{digest('x@example.net')}@erased.invalid",
        SPELLINGS[OTHER],
    ]
    migrate.upgrade(old_database, suppression_key=SUPPRESSION_KEY)
    hashes = [r["address_hash"] for r in _rows(old_database, suppressions, suppressions.c.id)]
    assert hashes == [
        digest("bounced@example.org"),
        digest("x@example.net"),
        digest(SPELLINGS[OTHER]),
    ]


def test_a_new_reader_never_gets_the_id_of_one_merged_away(
    old_database: Database, ctx: Context
) -> None:
    with old_database.transaction() as conn:  # the newest reader is a spelling merged away
        _insert(
            conn,
            "subscribers",
            [{"id": 5, "email": "CASE.test@example.com", "created_at": _at(5)}],
        )
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval('subscribers_id_seq', 5)"))
    migrate.upgrade(old_database, suppression_key=SUPPRESSION_KEY)
    fresh = subscriptions.sign_up(
        ctx, email="new.reader@example.com", list_slugs=["breaking"], requester=web_requester()
    )
    assert fresh.subscriber_id == 6
