"""Real processes for fault tests: an SMTP sink, `bulletin worker`s, and counting at the sink.

Every wait is a bounded poll, so a broken engine fails a test instead of hanging it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from bulletin.domain.addresses import IdentityHasher
from bulletin.domain.models import SubscriptionStatus
from bulletin.store.db import Database
from bulletin.store.ledger.counts import campaign_counts
from bulletin.store.tables import deliveries, lists, subscribers, subscriptions
from tests.support.factories import SECRET, SUPPRESSION_KEY
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SINK_SCRIPT = Path(__file__).with_name("sink_process.py")
_SUBSCRIBER = re.compile(r"\.s(\d+)[.@]")  # <SALT.bulletin.cC.sS.kTAG@…>


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll `condition` every 50 ms; fail with `what` if it is still false after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


class Sink:
    """The SMTP sink process (tests/support/sink_process.py) and the Message-IDs it accepted."""

    def __init__(self, workdir: Path, *, port: int | None = None, **faults: int) -> None:
        """`faults`: drop_every, greylist_every, refuse_every (see sink_process.py)."""
        self.port = port or free_port()
        self.record = workdir / f"sink-{self.port}.ids"
        self.record.touch()
        self._faults = faults
        self._process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=off"

    def start(self) -> Sink:
        command = [sys.executable, str(SINK_SCRIPT), "--port", str(self.port)]
        command += ["--record", str(self.record)]
        for name, every in self._faults.items():
            command += [f"--{name.replace('_', '-')}", str(every)]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()  # the sink prints "ready" once it listens
        assert line.strip() == "ready", f"the sink did not start: {line!r}"
        return self

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)

    def ids(self) -> Counter[str]:
        return Counter(self.record.read_text().split())

    def count(self) -> int:
        return sum(self.ids().values())


class Worker:
    """One `bulletin worker` process; its log is kept next to the test's files."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bulletin.cli", "worker"],
            env=env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.log = log

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self, *, timeout: float = 60) -> int:
        """SIGTERM, then wait for a clean exit; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)
            self._log.close()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


def worker_env(database_url: str, smtp_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULLETIN_")}
    env.update(
        BULLETIN_DATABASE_URL=database_url,
        BULLETIN_SMTP_URL=smtp_url,
        BULLETIN_SECRET_KEY=SECRET,
        BULLETIN_SUPPRESSION_KEY=SUPPRESSION_KEY,
        BULLETIN_DATA_DIR=str(data_dir),
        BULLETIN_SENDER="Newsroom Alerts <alerts@news.example.com>",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@contextmanager
def workers(count: int, env: dict[str, str], logs: Path) -> Iterator[list[Worker]]:
    """Start `count` workers; stop any still running at the end, however the test went."""
    started = [Worker(env, logs / f"worker-{n}.log") for n in range(count)]
    try:
        yield started
    finally:
        for worker in started:
            if worker.alive:
                worker.stop(timeout=20)


def create_readers(db: Database, count: int) -> list[int]:
    """`count` confirmed readers of `breaking`, written in bulk; returns their ids."""
    now = datetime.now(UTC)
    hasher = IdentityHasher(SUPPRESSION_KEY)
    with db.transaction() as conn:
        breaking = conn.execute(select(lists.c.id).where(lists.c.slug == "breaking")).scalar_one()
        first = conn.execute(select(subscribers.c.id).order_by(subscribers.c.id.desc())).scalar()
        start = (first or 0) + 1
        ids = list(range(start, start + count))
        conn.execute(
            insert(subscribers),
            [
                {
                    "id": i,
                    "email": f"r{i}@readers.example.org",
                    "address_key": f"r{i}@readers.example.org",
                    "address_hash": hasher.digest(f"r{i}@readers.example.org"),
                    "created_at": now,
                    "confirmed_at": now,
                }
                for i in ids
            ],
        )
        conn.execute(
            insert(subscriptions),
            [
                {
                    "subscriber_id": i,
                    "list_id": breaking,
                    "status": SubscriptionStatus.CONFIRMED,
                    "created_at": now,
                    "confirmed_at": now,
                }
                for i in ids
            ],
        )
    return ids


@dataclass(frozen=True)
class Tally:
    """What the sink received compared with who should have had the message."""

    lost: int
    duplicated: int
    received: int

    @classmethod
    def of(cls, sink: Sink, campaign_id: int, expected: list[int]) -> Tally:
        ids = sink.ids()
        # <SALT.bulletin.cC.sS.kTAG@…>: the salt is the campaign's own (older ones have none)
        ours = re.compile(rf"<(?:[0-9a-f]+\.)?bulletin\.c{campaign_id}\.s")
        per_reader = Counter(
            int(found.group(1))
            for message_id, n in ids.items()
            if ours.match(message_id) and (found := _SUBSCRIBER.search(message_id))
            for _ in range(n)
        )
        lost = sum(1 for reader in expected if per_reader[reader] == 0)
        duplicated = sum(n - 1 for n in per_reader.values() if n > 1)
        return cls(lost=lost, duplicated=duplicated, received=sum(per_reader.values()))


def ledger(db: Database, campaign_id: int) -> dict[str, int]:
    with db.transaction() as conn:
        counts = campaign_counts(conn, campaign_id)
    return {k: v for k, v in vars(counts).items() if v}


def sent_subscribers(db: Database, campaign_id: int) -> set[int]:
    with db.transaction() as conn:
        return set(
            conn.execute(
                select(deliveries.c.subscriber_id).where(
                    deliveries.c.campaign_id == campaign_id, deliveries.c.status == "sent"
                )
            ).scalars()
        )


def attempts(db: Database, campaign_id: int) -> dict[int, int]:
    """How many times each reader's message was tried, by subscriber id."""
    with db.transaction() as conn:
        rows = conn.execute(
            select(deliveries.c.subscriber_id, deliveries.c.attempts).where(
                deliveries.c.campaign_id == campaign_id
            )
        )
        return {subscriber: tries for subscriber, tries in rows}
