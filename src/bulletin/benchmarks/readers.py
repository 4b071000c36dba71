"""Benchmark data: N confirmed readers written in bulk, and one real alert message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

from bulletin.domain.addresses import IdentityHasher
from bulletin.domain.models import Campaign, CampaignKind, CampaignStatus
from bulletin.mail.compose import CampaignMessages, Links
from bulletin.mail.tokens import Tokens
from bulletin.store import lists as list_store
from bulletin.store.db import Database
from bulletin.store.tables import subscribers

# The suppression key the benchmarks' readers are hashed with (and their workers run with).
SUPPRESSION_KEY = "bench-suppression-key-0123456789-abcdefghijklmnopqrstuv"
_CHUNK = 20_000


def insert_readers(
    conn: Connection,
    count: int,
    *,
    now: datetime,
    extra: Callable[[int], dict[str, Any]] = lambda i: {},
) -> None:
    """Readers 1..count, `reader{i}@bench.example.org`, confirmed, each with their identity
    (key and keyed hash, which SQL cannot make) and `extra(i)`'s columns."""
    hasher = IdentityHasher(SUPPRESSION_KEY)
    for start in range(1, count + 1, _CHUNK):
        rows = []
        for i in range(start, min(start + _CHUNK, count + 1)):
            email = f"reader{i}@bench.example.org"
            rows.append(
                {
                    "email": email,
                    "address_key": email,
                    "address_hash": hasher.digest(email),
                    "created_at": now,
                    "confirmed_at": now,
                    **extra(i),
                }
            )
        conn.execute(subscribers.insert(), rows)


def make_confirmed_readers(db: Database, count: int) -> None:
    """Readers 1..count, confirmed on `breaking` (ids 1..count in a fresh database)."""
    now = datetime.now(UTC)
    stamp = now.replace(tzinfo=None) if db.dialect == "sqlite" else now
    with db.transaction() as conn:
        (breaking,) = list_store.by_slugs(conn, ["breaking"])
        insert_readers(conn, count, now=now)
        conn.execute(
            text(
                "INSERT INTO subscriptions "
                "(subscriber_id, list_id, status, created_at, confirmed_at) "
                "SELECT id, :list, 'confirmed', :now, :now FROM subscribers"
            ),
            {"list": breaking.id, "now": stamp},
        )


def sample_message(url: str, secret: str) -> bytes:
    """A filled alert message, as the engine would send it, for the raw-limit client."""
    db = Database(url)
    with db.transaction() as conn:
        (breaking,) = list_store.by_slugs(conn, ["breaking"])
    db.dispose()
    now = datetime.now(UTC)
    campaign = Campaign(
        id=1,
        kind=CampaignKind.ALERT,
        list_id=breaking.id,
        status=CampaignStatus.SENDING,
        subject="Benchmark: a breaking alert for every reader",
        headline="Benchmark: a breaking alert for every reader",
        summary="This is what a real alert costs to send: rendered once, filled per reader.",
        url="https://news.example.com/2026/11/25/benchmark",
        created_at=now,
    )
    links = Links(
        base_url="https://news.example.com",
        domain="news.example.com",
        sender="Bench News <alerts@news.example.com>",
        newsroom="Bulletin News",
        postal_address="1 Press Row, Springfield, IL 62701, USA",
    )
    composer = CampaignMessages(campaign, breaking, links=links, tokens=Tokens(secret), date=now)
    envelope = composer.envelope(key=1, subscriber_id=1, email="reader1@bench.example.org")
    return envelope.data.replace(b"\r\n.", b"\r\n..")
