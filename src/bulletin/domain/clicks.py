"""What counts as a reader's click: the rules that set link scanners' clicks aside.

Mail security scanners (Microsoft Defender's Safe Links, Mimecast, Proofpoint,
Barracuda…) fetch every link of a message as it arrives, before anyone reads it. Their
fetches are not readers. Three rules set them aside, and nothing else is guessed:

- a HEAD request is never a reader (browsers follow links with GET);
- a click from a known scanner, by user agent or network, within the first seconds
  after the campaign started sending (`window_s`);
- a burst: `burst_links` or more different links of one message clicked within
  `burst_s` seconds of each other. A person opens one link and reads; a scanner
  opens them all at once.

The recorder judges a click only once `burst_s` has passed since it, so the clicks of
a burst are all seen together and none of them slips into the counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bulletin.domain.networks import IPNetwork, parse_ip

# Substrings of the user agents of scanners and scripts (compared in lower case).
SCANNER_AGENTS = (
    "barracuda",
    "mimecast",
    "proofpoint",
    "safelinks",
    "bingpreview",
    "google-safety",
    "googlebot",
    "symantec",
    "trendmicro",
    "forcepoint",
    "sophos",
    "avanan",
    "urlscan",
    "python-requests",
    "python-httpx",
    "aiohttp",
    "go-http-client",
    "curl/",
    "wget/",
    "libwww-perl",
    "bot/",
    "crawler",
    "spider",
    "scanner",
)


class Verdict(Enum):
    COUNTED = "counted"
    HEAD = "head"
    SCANNER = "scanner"  # a known scanner's early click
    BURST = "burst"  # many links of one message at once
    UNSIGNED = "unsigned"  # the link's reader part was missing or did not verify
    LIMITED = "limited"  # past the client address's rate limit (still redirected)


@dataclass(frozen=True, eq=False)  # each request is its own click, however alike
class Click:
    """One request to a counted link, as the redirect saw it."""

    campaign_id: int
    position: int
    subscriber_id: int | None  # None: no reader part that verified
    at: datetime
    user_agent: str = ""
    client: str | None = None
    head: bool = False

    @property
    def message(self) -> tuple[int, int] | None:
        """The message (campaign, reader) the link came from, when it is known."""
        if self.subscriber_id is None:
            return None
        return (self.campaign_id, self.subscriber_id)


def is_scanner_agent(user_agent: str) -> bool:
    agent = user_agent.strip().lower()
    return not agent or any(name in agent for name in SCANNER_AGENTS)


def in_networks(client: str | None, networks: Sequence[IPNetwork]) -> bool:
    found = parse_ip(client) if client else None
    if found is None:
        return False
    return any(found.version == n.version and found in n for n in networks)


@dataclass(frozen=True)
class ScannerRules:
    window_s: int = 60
    burst_links: int = 3
    burst_s: float = 2.0
    networks: tuple[IPNetwork, ...] = ()

    def first(self, click: Click, *, started_at: datetime | None) -> Verdict | None:
        """The verdict a click gets on its own (HEAD, unsigned, early scanner); None when
        it depends on the message's other clicks (`bursts`)."""
        if click.head:
            return Verdict.HEAD
        if click.subscriber_id is None:
            return Verdict.UNSIGNED
        early = started_at is None or click.at - started_at < timedelta(seconds=self.window_s)
        scanner = is_scanner_agent(click.user_agent) or in_networks(click.client, self.networks)
        if early and scanner:
            return Verdict.SCANNER
        return None

    def bursts(self, clicks: Iterable[Click]) -> set[Click]:
        """The clicks that belong to a burst among these (one message's or many)."""
        by_message: dict[tuple[int, int] | None, list[Click]] = {}
        for click in clicks:
            by_message.setdefault(click.message, []).append(click)
        found: set[Click] = set()
        for message, group in by_message.items():
            if message is not None:
                found.update(self._burst_in(sorted(group, key=lambda c: c.at)))
        return found

    def _burst_in(self, group: list[Click]) -> list[Click]:
        """One message's clicks (in time order) that are in a burst: a sliding window
        of `burst_s`, linear however many clicks one link gets (a flood is not free)."""
        span = timedelta(seconds=self.burst_s)
        in_window: Counter[int] = Counter()
        found: list[Click] = []
        start = marked = 0  # clicks before `marked` are already in `found`
        for end, click in enumerate(group):
            in_window[click.position] += 1
            while click.at - group[start].at > span:
                left = group[start].position
                in_window[left] -= 1
                if not in_window[left]:
                    del in_window[left]
                start += 1
            if len(in_window) >= self.burst_links:
                found.extend(group[max(start, marked) : end + 1])
                marked = end + 1
        return found
