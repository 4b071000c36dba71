"""Ingest throughput: stories/s for a generated N-item RSS feed, and peak memory, as JSON.

    .venv/bin/python bench/ingest.py [--items 10000] [--database-url URL]

Without --database-url it uses a fresh SQLite file in a temporary directory. It
times parsing alone, then the whole ingest (parse, de-duplicate, cluster, store in
one transaction per story), then a second run of the same feed (all unchanged).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from bulletin.config import Settings
from bulletin.ingest.feeds import parse_feed
from bulletin.services import stories
from bulletin.services.context import Context
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        path = Path(tmp) / "feed.xml"
        path.write_bytes(feed(args.items))
        db = Database(url)
        migrate.upgrade(db)
        settings = Settings(secret_key="x" * 40, database_url=url, data_dir=Path(tmp))
        ctx = Context(settings=settings, db=db)
        figures = run(ctx, path, args.items)
        db.dispose()
    figures["database"] = url.split(":", 1)[0]
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    json.dump(figures, sys.stdout)
    sys.stdout.write("\n")


def run(ctx: Context, path: Path, items: int) -> dict[str, object]:
    started = time.perf_counter()
    parsed = len(parse_feed(path.read_bytes(), source=str(path)))
    parse_s = time.perf_counter() - started
    started = time.perf_counter()
    first = stories.Summary()
    for result in stories.ingest(ctx, str(path)):
        first.add(result)
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    second = stories.Summary()
    for result in stories.ingest(ctx, str(path)):
        second.add(result)
    rerun_s = time.perf_counter() - started
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


if __name__ == "__main__":
    main()
