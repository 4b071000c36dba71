"""`bulletin bench briefing`: schedule one briefing edition for N readers over 24 zones.

Creates N confirmed morning-briefing readers spread over 24 time zones (two briefing
times each, some with topics), stores a day's stories, assembles and approves the
edition, then measures what the scheduler does for it: writing one ledger row per
reader (per-group INSERT … SELECT), the process's peak memory while doing so, the
cost of rendering and building the message once per topic segment, and the expiry
sweep that retires rows nobody sent by noon. Prints one JSON object.
"""

from __future__ import annotations

import resource
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text

from bulletin.benchmarks.fanout import _database
from bulletin.benchmarks.readers import insert_readers
from bulletin.delivery.briefing_duty import expire_stale
from bulletin.domain.editions import Edition, EditionStatus, Rules
from bulletin.domain.models import Campaign, MailingList
from bulletin.domain.stories import Story
from bulletin.mail.briefing import render_briefing
from bulletin.mail.compose import CampaignMessages, Links
from bulletin.mail.tokens import Tokens
from bulletin.store import campaigns, migrate
from bulletin.store import lists as list_store
from bulletin.store.briefing import editions
from bulletin.store.briefing import steps as briefing
from bulletin.store.db import Database
from bulletin.store.ledger import briefing as briefing_ledger
from bulletin.store.stories import versions as story_store
from bulletin.store.tables import deliveries

SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
# 24 zones, one per hour of offset (and two that are not whole hours).
ZONES = [
    "Pacific/Pago_Pago",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Halifax",
    "America/Sao_Paulo",
    "Atlantic/South_Georgia",
    "Atlantic/Azores",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Athens",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
]
TOPICS = ["politics", "science", "business", "sport"]
EDITION_DATE = date(2030, 1, 8)  # a Tuesday


@dataclass
class Options:
    subscribers: int
    database: str = "sqlite"
    postgres_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def run(options: Options) -> dict[str, Any]:
    workdir = tempfile.mkdtemp(prefix="bulletin-bench-briefing-")
    url, drop = _database(options, workdir)
    try:
        db = Database(url)
        migrate.upgrade(db)
        started = time.perf_counter()
        _make_readers(db, options.subscribers)
        setup_s = time.perf_counter() - started
        figures = _measure(db)
        db.dispose()
    finally:
        drop()
    return {
        "benchmark": "briefing",
        "database": options.database,
        "subscribers": options.subscribers,
        "zones": len(ZONES),
        "readers_setup_s": round(setup_s, 2),
        **figures,
    }


def _make_readers(db: Database, count: int) -> None:
    """Readers 1..count: zone i % 24, 06:00 or 07:30, every fifth with a topic or two."""
    stamp = datetime.now(UTC).replace(tzinfo=None)
    with db.transaction() as conn:
        (the_list,) = list_store.by_slugs(conn, [briefing.BRIEFING])
        insert_readers(
            conn,
            count,
            now=datetime.now(UTC),
            extra=lambda i: {
                "time_zone": ZONES[i % 24],
                "briefing_time": "07:30" if (i // 24) % 3 == 0 else "06:00",
            },
        )
        conn.execute(
            text(
                "INSERT INTO subscriptions (subscriber_id, list_id, status, created_at,"
                " confirmed_at) SELECT id, :list, 'confirmed', :now, :now FROM subscribers"
            ),
            {"list": the_list.id, "now": stamp},
        )
        for n, topic in enumerate(TOPICS):
            conn.execute(
                text(
                    "INSERT INTO subscriber_topics (subscriber_id, topic, created_at)"
                    " SELECT id, :topic, :now FROM subscribers WHERE id % :every = 0"
                ),
                {"topic": topic, "now": stamp, "every": 5 * (n + 1)},
            )
    # Planner statistics, as autovacuum (PostgreSQL) or `ANALYZE` after an import would
    # leave them: a bulk load seen as empty tables would be measured with poor plans.
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def _measure(db: Database) -> dict[str, Any]:
    rules = Rules()
    now = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)
    _store_stories(db, now - timedelta(hours=6))
    started = time.perf_counter()
    with db.transaction() as conn:
        the_plan = briefing.plan_for(conn, EDITION_DATE, rules)
        edition, _ = briefing.assemble(conn, EDITION_DATE, rules=rules, plan=the_plan, now=now)
        editions.update_fields(conn, edition.id, now=now, status=EditionStatus.APPROVED)
    assemble_s = time.perf_counter() - started

    rss_before = _max_rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    rows = briefing.write_ledger(db, EDITION_DATE, rules=rules, now=now)
    ledger_s = time.perf_counter() - started
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    with db.transaction() as conn:
        approved = editions.by_date(conn, EDITION_DATE)
        assert approved is not None and approved.campaign_id is not None
        campaign = campaigns.get(conn, approved.campaign_id)
        (the_list,) = list_store.by_slugs(conn, [briefing.BRIEFING])
        segments = briefing_ledger.segments(conn, the_list.id)
        in_ledger = conn.execute(select(func.count()).select_from(deliveries)).scalar_one()
    assert campaign is not None
    render_ms, build_ms = _render_per_segment(approved, campaign, the_list, segments)

    started = time.perf_counter()
    expired = expire_stale(db, now=the_plan.last_expiry_at if the_plan else now)
    expire_s = time.perf_counter() - started
    return {
        "groups": len(the_plan.sends) if the_plan else 0,
        "assemble_s": round(assemble_s, 3),
        "ledger_rows": rows,
        "ledger_rows_in_table": in_ledger,
        "ledger_write_s": round(ledger_s, 2),
        "ledger_rows_per_s": round(rows / ledger_s) if ledger_s else None,
        "python_peak_mb_while_writing": round(python_peak / 2**20, 2),
        "process_max_rss_mb_before": rss_before,
        "process_max_rss_mb_after": _max_rss_mb(),
        "segments": len(segments),
        "render_ms_per_segment": render_ms,
        "skeleton_build_ms_per_segment": build_ms,
        "expired_rows_at_last_noon": expired,
        "expire_sweep_s": round(expire_s, 2),
    }


def _store_stories(db: Database, at: datetime) -> None:
    with db.transaction() as conn:
        for n in range(40):
            story = Story(
                source=f"wire-{n % 5}",
                source_id=f"bench-{n}",
                headline=f"Benchmark story {n} makes the morning news",
                summary=f"Story {n} happened overnight. Officials said more would follow. "
                "Reporters are on the scene.",
                section=["Politics", "World", "Business", "Science", "Sport"][n % 5],
                topics=(TOPICS[n % 4],),
                urgency=1 + n % 8,
                published_at=at + timedelta(minutes=n),
                url=f"https://news.example.com/bench/{n}",
            )
            story_id = story_store.insert(
                conn, story, content_hash=f"bench-{n}", fingerprint=b"", now=at
            )
            story_store.set_cluster(conn, story_id, story_id)


def _render_per_segment(
    edition: Edition, campaign: Campaign, the_list: MailingList, segments: list[int]
) -> tuple[float, float]:
    links = Links(
        base_url="https://news.example.com",
        domain="news.example.com",
        sender="Bench News <news@news.example.com>",
        newsroom="Bulletin News",
        postal_address="1 Press Row, Springfield, IL 62701, USA",
    )
    render_s = build_s = 0.0
    for segment in segments:
        started = time.perf_counter()
        rendered = render_briefing(
            edition,
            segment,
            subject=campaign.subject,
            list_name=the_list.name,
            brand=links.brand,
            view_url=links.view_url(the_list.slug, campaign.id),
        )
        render_s += time.perf_counter() - started
        started = time.perf_counter()
        CampaignMessages(
            campaign,
            the_list,
            links=links,
            tokens=Tokens(SECRET),
            date=campaign.created_at,
            rendered=rendered,
        )
        build_s += time.perf_counter() - started
    count = max(len(segments), 1)
    return round(render_s / count * 1000, 2), round(build_s / count * 1000, 2)


def _max_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
