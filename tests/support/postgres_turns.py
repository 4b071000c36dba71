"""Turns on the one PostgreSQL server, for test runs spread over several processes.

`make test` runs the suite in pytest-xdist workers. PostgreSQL tests of different
workers may run at once (each worker has a database of its own), except a test that
restarts the server: it must have the server to itself. A reader-writer lock on a file
keyed by the server's address gives that: every PostgreSQL test holds it shared, a
restarting test holds it exclusive. The lock is the machine's, not the run's, so two
runs on one machine keep the same rule.
"""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url


def lock_path(server_url: str) -> Path:
    url = make_url(server_url)
    key = hashlib.sha256(f"{url.host}:{url.port}".encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"bulletin-tests-postgres-{key}.lock"


@contextmanager
def turn(server_url: str, *, exclusive: bool) -> Iterator[None]:
    """Hold the server: shared among ordinary tests, alone for one that restarts it."""
    with lock_path(server_url).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
