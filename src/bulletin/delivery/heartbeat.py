"""This worker's sign of life: a row in the database every few seconds, for /readyz.

Every engine beats, leader or not: a web process on another machine can only tell that
sending is possible by seeing a recent beat. A failed beat is logged and tried again at
the next round; it never stops sending.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from bulletin.store import workers
from bulletin.store.db import Database

log = logging.getLogger(__name__)

BEAT_EVERY = timedelta(seconds=10)


def this_worker() -> str:
    """The process's name in the heartbeats: host and process id."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


class Heartbeat:
    def __init__(self, db: Database, *, worker: str | None = None) -> None:
        self._db = db
        self.worker = worker or this_worker()
        self._started: datetime | None = None
        self._last: datetime | None = None

    def beat(self, now: datetime) -> None:
        """Write the beat if the last one is BEAT_EVERY old (or there was none)."""
        if self._last is not None and now - self._last < BEAT_EVERY:
            return
        self._started = self._started or now
        try:
            with self._db.transaction() as conn:
                workers.beat(conn, worker=self.worker, started_at=self._started, now=now)
        except SQLAlchemyError:
            log.warning("could not record this worker's heartbeat; trying again", exc_info=True)
            return
        self._last = now
