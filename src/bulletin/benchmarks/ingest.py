"""`bulletin bench ingest`: stories/s for a generated N-item RSS feed, and peak memory.

Without a database URL it uses a fresh SQLite file in a temporary directory. It times
parsing alone, then the whole ingest (parse, de-duplicate, cluster, store in one
transaction per story), then a second run of the same feed (all unchanged).
"""

from __future__ import annotations

import random
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulletin.config import Settings
from bulletin.ingest.feeds import parse_feed
from bulletin.services.context import Context
from bulletin.services.stories import ingest as stories
from bulletin.store import migrate
from bulletin.store.db import Database

STEMS = ["ka", "lo", "mi", "ne", "po", "ru", "sa", "ti", "vu", "ze"]
ENDINGS = [
    "ban",
    "cor",
    "del",
    "fin",
    "gar",
    "hol",
    "jun",
    "kel",
    "mar",
    "nor",
    "pel",
    "quin",
    "ros",
    "sel",
    "tar",
    "vel",
    "wen",
    "xan",
    "yor",
    "zed",
]
VOCABULARY = [a + b for a in STEMS for b in ENDINGS]


@dataclass
class Options:
    items: int = 10_000
    database_url: str | None = None  # None: a fresh SQLite file of its own


def run(options: Options) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = options.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        path = Path(tmp) / "feed.xml"
        path.write_bytes(feed(options.items))
        db = Database(url)
        migrate.upgrade(db)
        settings = Settings(secret_key="x" * 40, database_url=url, data_dir=Path(tmp))
        figures = _measure(Context(settings=settings, db=db), path, options.items)
        db.dispose()
    figures["database"] = url.split(":", 1)[0]
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


def item(n: int) -> str:
    """A story of five 40-word paragraphs; each story's words differ, like real news."""
    rng = random.Random(n)
    body = "".join(
        f"<p>{' '.join(rng.choice(VOCABULARY) for _ in range(40))}.</p>" for _ in range(5)
    )
    return (
        f"<item><title>Council story {n}</title><link>https://news.example.com/{n}</link>"
        f"<guid>https://news.example.com/{n}</guid><description>Summary {n}.</description>"
        f"<content:encoded><![CDATA[<p>LONDON — Lead of story {n}.</p>{body}]]></content:encoded>"
        f"<dc:creator>Reporter {n % 50} and Reuters</dc:creator><category>Local</category>"
        f"<pubDate>Tue, 02 Jan 2024 03:04:05 +0000</pubDate></item>"
    )


def feed(items: int) -> bytes:
    head = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Bench</title>'
    )
    return (head + "".join(item(n) for n in range(items)) + "</channel></rss>").encode()


def _measure(ctx: Context, path: Path, items: int) -> dict[str, Any]:
    started = time.perf_counter()
    parsed = len(parse_feed(path.read_bytes(), source=str(path)))
    parse_s = time.perf_counter() - started
    first, ingest_s = _ingest(ctx, path)
    second, rerun_s = _ingest(ctx, path)
    return {
        "items": items,
        "feed_bytes": path.stat().st_size,
        "parsed": parsed,
        "parse_stories_per_s": round(items / parse_s, 1),
        "ingest_stories_per_s": round(items / ingest_s, 1),
        "ingest_seconds": round(ingest_s, 2),
        "first_run": first.counts,
        "rerun_unchanged_stories_per_s": round(items / rerun_s, 1),
        "rerun": second.counts,
    }


def _ingest(ctx: Context, path: Path) -> tuple[stories.Summary, float]:
    """One whole ingest of the feed: its outcomes, and how long it took."""
    started = time.perf_counter()
    summary = stories.Summary()
    for result in stories.ingest(ctx, str(path)):
        summary.add(result)
    return summary, time.perf_counter() - started
