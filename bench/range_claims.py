"""What claiming ledger rows by range would save the PostgreSQL server:
`python bench/range_claims.py [N]` prints one JSON line.

Today a worker claims each row (status `sending`, its lease) and then marks it sent:
two writes of the row and of the queue index per message, after the fan-out's insert.
Claiming by range would write one lease per batch of consecutive rows instead, and the
rows once, when sent. This measures both on a scratch database of the same schema, with
the store's own claim and sent-mark statements for today's way and, for the range way,
the same reads and sent mark around one lease row per batch: the server's CPU (its
backend's, from /proc) and WAL bytes per 1,000 messages. Nothing is sent: only the
ledger's writes are compared, in the order a worker makes them (batches of 500).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Connection, Engine, create_engine, text

from bulletin.benchmarks.procs import cpu_times
from bulletin.store.ledger import claims, outcomes
from bulletin.store.tables import metadata
from bulletin.store.types import utcnow

SERVER = os.environ.get(
    "BULLETIN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SCRATCH = "bulletin_range_claims"
BATCH = 500
CAMPAIGN = 1


def main(n: int) -> None:
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH}"))
        conn.execute(text(f"CREATE DATABASE {SCRATCH}"))
    engine = create_engine(SERVER.rsplit("/", 1)[0] + f"/{SCRATCH}")
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            _without_foreign_keys(conn)  # rows need no campaign or reader: writes compared
        figures: dict[str, object] = {"rows": n, "batch": BATCH}
        for round_ in (1, 2):  # alternated, so neither has the cache to itself
            for way, send in (("per_row", _per_row), ("by_range", _by_range)):
                _fill(engine, n)
                figures[f"{way}_{round_}"] = _measured(engine, n, send)
        print(json.dumps(figures), flush=True)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH}"))
        admin.dispose()


def _without_foreign_keys(conn: Connection) -> None:
    names = conn.execute(
        text(
            "SELECT conname FROM pg_constraint"
            " WHERE conrelid = 'deliveries'::regclass AND contype = 'f'"
        )
    ).scalars()
    for name in list(names):
        conn.execute(text(f'ALTER TABLE deliveries DROP CONSTRAINT "{name}"'))


def _fill(engine: Engine, n: int) -> None:
    """N queued rows of one campaign, as the fan-out leaves them, then vacuumed."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE deliveries RESTART IDENTITY"))
        conn.execute(
            text(
                "INSERT INTO deliveries (campaign_id, subscriber_id, status, send_after, attempts)"
                " SELECT :campaign, g, 'queued', now() - interval '1 minute', 0"
                " FROM generate_series(1, :n) AS g"
            ),
            {"campaign": CAMPAIGN, "n": n},
        )
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS range_leases"
                " (owner text, first_id bigint, last_id bigint, until timestamptz)"
            )
        )
        conn.execute(text("TRUNCATE range_leases"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE deliveries"))


Send = Callable[[Connection], int]


def _measured(engine: Engine, n: int, send: Send) -> dict[str, float]:
    with engine.connect() as conn:
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        wal_before = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
        conn.commit()  # each batch below is transactions of its own, as a worker's are
        user, system = cpu_times(backend)
        started = time.monotonic()
        done = 0
        while done < n:
            done += send(conn)
        wall = time.monotonic() - started
        user2, system2 = cpu_times(backend)
        wal = conn.execute(
            text("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), :before)"), {"before": wal_before}
        ).scalar_one()
        sent = conn.execute(text("SELECT count(*) FROM deliveries WHERE status = 'sent'"))
        assert sent.scalar_one() == n, "every row marked sent once"
    per = 1000 / n
    return {
        "server_cpu_s_per_1000": round((user2 + system2 - user - system) * per, 4),
        "wal_bytes_per_message": round(float(wal) / n, 1),
        "wall_s_per_1000": round(wall * per, 4),
    }


def _per_row(conn: Connection) -> int:
    """Today's: the store's claim (each row leased), then its sent mark, a transaction each."""
    now = utcnow()
    with conn.begin():
        rows = claims.claim(
            conn,
            owner=f"bench#{time.monotonic_ns()}",
            now=now,
            lease=timedelta(seconds=30),
            limit=BATCH,
            campaign_ids=[CAMPAIGN],
        )
    with conn.begin():
        outcomes.mark_sent(conn, [(row.id, "250 2.0.0 Ok: queued") for row in rows], now=now)
    return len(rows)


def _by_range(conn: Connection) -> int:
    """By range: the next due ids read in index order after the last range leased, one
    lease row for them, the same read of the batch's readers, and the same sent mark."""
    now = utcnow()
    with conn.begin():
        after = conn.execute(text("SELECT coalesce(max(last_id), 0) FROM range_leases"))
        ids = list(
            conn.execute(
                text(
                    "SELECT id FROM deliveries WHERE campaign_id = :c AND status = 'queued'"
                    " AND send_after <= :now AND id > :after ORDER BY send_after, id LIMIT :n"
                ),
                {"c": CAMPAIGN, "now": now, "after": after.scalar_one(), "n": BATCH},
            ).scalars()
        )
        conn.execute(
            text("INSERT INTO range_leases VALUES (:owner, :first, :last, :until)"),
            {
                "owner": f"bench#{time.monotonic_ns()}",
                "first": ids[0],
                "last": ids[-1],
                "until": now + timedelta(seconds=30),
            },
        )
        conn.execute(
            text(
                "SELECT d.id, d.subscriber_id, s.email FROM deliveries d"
                " LEFT JOIN subscribers s ON s.id = d.subscriber_id"
                " WHERE d.campaign_id = :c AND d.id BETWEEN :first AND :last ORDER BY d.id"
            ),
            {"c": CAMPAIGN, "first": ids[0], "last": ids[-1]},
        ).all()
    with conn.begin():
        outcomes.mark_sent(conn, [(key, "250 2.0.0 Ok: queued") for key in ids], now=now)
    return len(ids)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
