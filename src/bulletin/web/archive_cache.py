"""The public archive's page cache: each page rendered once, not once per visitor.

A breaking alert sends a crowd to its web version at once, so the archive answers from
memory. A message's page is kept until the message is withdrawn (at most `capacity`
pages, the least recently used going first); list pages and feeds, which change as
messages go out, for `ttl_s`. A withdrawal made through this process drops its page at
once (`drop`); every `recheck_s` the cache asks the database which messages were
withdrawn since it last asked, so one made by another process is honoured within that.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from anyio import to_thread

from bulletin.services.archive import pages
from bulletin.services.context import Context


@dataclass(frozen=True)
class Cached:
    body: bytes
    campaign_id: int | None  # a message's page; None for lists and feeds
    expires: float | None  # monotonic seconds; None for a message's page


class PageCache:
    def __init__(
        self,
        ctx: Context,
        *,
        capacity: int = 1000,
        ttl_s: float = 30.0,
        recheck_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ctx = ctx
        self._capacity = capacity
        self._ttl_s = ttl_s
        self._recheck_s = recheck_s
        self._monotonic = monotonic
        self._pages: OrderedDict[str, Cached] = OrderedDict()
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._checked_db: datetime | None = None  # the first check asks for all
        self.renders = 0  # how many pages were rendered: the tests read it

    async def get(self, key: str, render: Callable[[], bytes], *, campaign_id: int | None) -> bytes:
        """The page for `key`, rendered (in a worker thread) only when not held."""
        if self._monotonic() - self._checked_at >= self._recheck_s:
            await to_thread.run_sync(self._recheck)
        held = self._held(key)
        if held is not None:
            return held
        body = await to_thread.run_sync(render)
        self._keep(key, body, campaign_id)
        return body

    def drop(self, campaign_id: int) -> None:
        """Forget a message's page (withdrawn), and the lists and feeds that named it."""
        with self._lock:
            for key in [k for k, v in self._pages.items() if v.campaign_id in (campaign_id, None)]:
                del self._pages[key]

    def _held(self, key: str) -> bytes | None:
        with self._lock:
            held = self._pages.get(key)
            if held is None:
                return None
            if held.expires is not None and held.expires <= self._monotonic():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return held.body

    def _keep(self, key: str, body: bytes, campaign_id: int | None) -> None:
        expires = None if campaign_id is not None else self._monotonic() + self._ttl_s
        with self._lock:
            self.renders += 1
            self._pages[key] = Cached(body, campaign_id, expires)
            while len(self._pages) > self._capacity:
                self._pages.popitem(last=False)

    def _recheck(self) -> None:
        # Overlap the windows by the recheck interval: a clock step or a withdrawal
        # committed as we asked is caught next time rather than missed.
        now = self._ctx.clock()
        since = self._checked_db - timedelta(seconds=self._recheck_s) if self._checked_db else None
        self._checked_at = self._monotonic()
        self._checked_db = now
        for campaign_id in pages.withdrawn_since(self._ctx, since):
            self.drop(campaign_id)
