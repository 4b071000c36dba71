"""Each campaign's URLs in this process's memory, so a redirect reads no database.

The first click on a campaign's link reads its URLs (and when it started sending) once;
every later one is a dictionary lookup. A briefing numbers new URLs as its segments are
composed, so a position past those held is read again, at most once a second per
campaign. A campaign that does not exist is remembered too (as having no links), so a
validly signed token for a deleted campaign costs one read a second at most.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bulletin.domain.errors import DatabaseUnavailable
from bulletin.store import clicks as store
from bulletin.store.db import UNAVAILABLE, Database

MAX_CAMPAIGNS = 10_000  # the least recently clicked campaigns are forgotten past this
RELOAD_AFTER = timedelta(seconds=1)


@dataclass(frozen=True)
class CampaignLinks:
    urls: dict[int, str]
    started_at: datetime | None
    loaded_at: datetime

    def url(self, position: int) -> str | None:
        return self.urls.get(position)


class LinkMap:
    def __init__(self, db: Database, *, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock
        self._held: OrderedDict[int, CampaignLinks] = OrderedDict()

    def held(self, campaign_id: int, position: int) -> CampaignLinks | None:
        """The campaign's links if held and they answer for `position` (or were read
        within the last second); None when they must be read (`load`)."""
        found = self._held.get(campaign_id)
        if found is None:
            return None
        if found.url(position) is None and self._clock() - found.loaded_at >= RELOAD_AFTER:
            return None
        self._held.move_to_end(campaign_id)
        return found

    def started(self, campaign_id: int) -> datetime | None:
        """When the campaign started sending, if its links are held."""
        found = self._held.get(campaign_id)
        return found.started_at if found is not None else None

    def read(self, campaign_id: int) -> CampaignLinks:
        """The campaign's links from the database (a thread's work: it returns them, and
        `keep` holds them, on the event loop)."""
        try:
            with self._db.reading() as conn:
                exists, started = store.started_at(conn, campaign_id)
                urls = dict(store.enumerate_links(conn, campaign_id)) if exists else {}
        except UNAVAILABLE as exc:
            raise DatabaseUnavailable(
                "We could not look this link up just now. Please try it again in a minute."
            ) from exc
        return CampaignLinks(urls, started, self._clock())

    def keep(self, campaign_id: int, links: CampaignLinks) -> None:
        self._held[campaign_id] = links
        self._held.move_to_end(campaign_id)
        while len(self._held) > MAX_CAMPAIGNS:
            self._held.popitem(last=False)
