"""Which worker runs the scheduler: exactly one at a time, wherever the workers run.

On PostgreSQL the leader holds a session-level advisory lock on a connection of its
own; if its process dies the connection closes, the lock is released, and another
worker takes over at its next try. SQLite has one writer and one worker process, which
always leads. Other one-at-a-time duties (polling the bounce mailbox) take the same
kind of lead under a key of their own, so they need not run where the scheduler does.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, text

from bulletin.store.db import Database

log = logging.getLogger(__name__)

LOCK_KEY = 0x42554C4C  # "BULL": the scheduler
MAILBOX_LOCK_KEY = 0x4255494D  # "BUIM": the poller of the bounce mailbox


class Leadership:
    def __init__(self, db: Database, *, key: int = LOCK_KEY, duty: str = "the scheduler") -> None:
        self._db = db
        self._key = key
        self._duty = duty
        self._conn: Connection | None = None

    def holds(self) -> bool:
        """True if this process leads (trying to take the lead if nobody does)."""
        if self._db.dialect != "postgresql":
            return True
        if self._conn is not None and self._alive():
            return True
        self.release()
        conn = self._db.engine.connect()
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar())
        conn.commit()
        if got:
            self._conn = conn
            log.info("this process now runs %s", self._duty)
        else:
            conn.close()
        return got

    def release(self) -> None:
        """Give up the lead at once, so another worker can take it at its next try.

        The lock belongs to the database session, so the connection is closed for
        real (invalidated), not returned to the pool where it would keep the lock
        and leave every worker, this one included, without a scheduler.
        """
        if self._conn is not None:
            try:
                # Unlocked here, at once: closing the connection frees the lock only when
                # the server notices the session has gone, a moment later (seen under load:
                # another worker asking at once found it still taken).
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
                self._conn.commit()
            except Exception:  # the connection may already be gone, and the lock with it
                log.debug("unlocking the lead failed", exc_info=True)
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:  # the connection may already be gone with the server
                log.debug("closing the leader connection failed", exc_info=True)
            self._conn = None

    def _alive(self) -> bool:
        assert self._conn is not None
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
            return True
        except Exception:
            return False
