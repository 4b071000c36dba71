"""A process's effective settings, kept fresh: the desk's revision is read every few seconds.

Every process (web, worker) holds one `LiveSettings`. `current()` answers from memory
and, at most once every `every` (5 s), reads the one revision row; only when it moved
are the desk's values read and merged again, so a change made on the desk reaches every
running process within seconds and costs them one tiny query each in between. A
process that makes a change sees it at once (`invalidate`). A database that cannot be
read, or desk values that no longer pass the checks, leave the process running on what
it had (logged), never stopped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from bulletin.config import Settings
from bulletin.domain.errors import ConfigurationError
from bulletin.services.settings import merge, secrets
from bulletin.store import desk_settings as store
from bulletin.store.db import Database

log = logging.getLogger(__name__)

EVERY = timedelta(seconds=5)


class LiveSettings:
    def __init__(
        self,
        base: Settings,
        db: Database,
        clock: Callable[[], datetime],
        *,
        every: timedelta = EVERY,
    ) -> None:
        self.base = base  # the defaults and the environment: what the desk is merged under
        self._db = db
        self._clock = clock
        self._every = every
        self._lock = threading.Lock()
        self._current = base
        self._revision: int | None = None
        self._checked_at: datetime | None = None
        self._failing = False

    @property
    def revision(self) -> int | None:
        """The desk revision `current()` was merged from (None before the first read)."""
        return self._revision

    def current(self) -> Settings:
        checked = self._checked_at
        if checked is not None and timedelta(0) <= self._clock() - checked < self._every:
            return self._current
        with self._lock:
            if self._checked_at is checked:  # else another thread refreshed meanwhile
                self._refresh()
        return self._current

    def invalidate(self) -> None:
        """Read the desk again at the next `current()` (after this process changed it)."""
        self._checked_at = None

    def _refresh(self) -> None:
        now = self._clock()
        try:
            with self._db.reading() as conn:
                revision = store.revision(conn)
                found = None if revision == self._revision else store.stored(conn)
        except store.UNREADABLE as exc:
            if not self._failing:
                # Before any read worked, the schema may simply not be there yet (`bulletin
                # db upgrade` runs on an empty database): no cause for alarm.
                level = logging.DEBUG if self._revision is None else logging.WARNING
                reason = getattr(exc, "orig", exc)
                log.log(level, "cannot read the desk's settings, keeping the last ones: %s", reason)
            self._failing = True
            self._checked_at = now
            return
        self._failing = False
        self._checked_at = now
        if found is None:
            return
        try:
            desk = secrets.opened(self.base.secret_key, found)
            self._current = merge.effective(self.base, desk)
        except ConfigurationError as exc:
            log.error("the settings set on the desk are refused, running without them: %s", exc)
            self._current = self.base
        self._revision = revision
