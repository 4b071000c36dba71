"""The delivery benchmark: `python bench/fanout.py [N ...]` prints one JSON line per run.

A thin wrapper over `bulletin bench fanout` so the standard set can be run in one go:
SQLite with one worker, then PostgreSQL with one and with two workers, for each N.
"""

from __future__ import annotations

import json
import os
import sys

from bulletin.benchmarks.fanout import Options, run

POSTGRES = os.environ.get(
    "BULLETIN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def main(sizes: list[int]) -> None:
    for n in sizes:
        for database, workers in (("sqlite", 1), ("postgresql", 1), ("postgresql", 2)):
            options = Options(
                subscribers=n, workers=workers, database=database, postgres_url=POSTGRES
            )
            print(json.dumps(run(options)), flush=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100_000])
