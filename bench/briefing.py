"""The briefing benchmark: `python bench/briefing.py [N ...]` prints one JSON line per run.

A thin wrapper over `bulletin bench briefing`: SQLite, then PostgreSQL, for each N
(default 1,000,000 readers over 24 zones).
"""

from __future__ import annotations

import json
import os
import sys

from bulletin.benchmarks.briefing import Options, run

POSTGRES = os.environ.get(
    "BULLETIN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def main(sizes: list[int]) -> None:
    for n in sizes:
        for database in ("sqlite", "postgresql"):
            options = Options(subscribers=n, database=database, postgres_url=POSTGRES)
            print(json.dumps(run(options)), flush=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1_000_000])
