"""Benchmark data: N confirmed readers written in bulk, and one real alert message."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bulletin.domain.models import Campaign, CampaignKind, CampaignStatus
from bulletin.mail.compose import CampaignMessages, Links
from bulletin.mail.tokens import Tokens
from bulletin.store import lists as list_store
from bulletin.store.db import Database

# A numbers table by recursive CTE works on both SQLite and PostgreSQL.
_NUMBERS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"


def make_confirmed_readers(db: Database, count: int) -> None:
    """Readers 1..count, confirmed on `breaking` (ids 1..count in a fresh database)."""
    now = datetime.now(UTC)
    stamp = now.replace(tzinfo=None) if db.dialect == "sqlite" else now
    with db.transaction() as conn:
        (breaking,) = list_store.by_slugs(conn, ["breaking"])
        conn.execute(
            text(
                f"{_NUMBERS} INSERT INTO subscribers (email, created_at, confirmed_at) "
                "SELECT 'reader' || i || '@bench.example.org', :now, :now FROM n"
            ),
            {"count": count, "now": stamp},
        )
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
    )
    composer = CampaignMessages(campaign, breaking, links=links, tokens=Tokens(secret), date=now)
    envelope = composer.envelope(key=1, subscriber_id=1, email="reader1@bench.example.org")
    return envelope.data.replace(b"\r\n.", b"\r\n..")
