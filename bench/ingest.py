"""The ingest benchmark: `python bench/ingest.py [--items N] [--database-url URL]`, one JSON line.

A thin wrapper over `bulletin bench ingest --json`: stories/s for a generated N-item
RSS feed (default 10,000), and peak memory. Without --database-url it uses a fresh
SQLite file in a temporary directory.
"""

from __future__ import annotations

import argparse
import json

from bulletin.benchmarks.ingest import Options, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=Options.items)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    print(json.dumps(run(Options(items=args.items, database_url=args.database_url))))


if __name__ == "__main__":
    main()
