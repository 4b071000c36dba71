"""What counts as an open, when a newsroom turns the open pixel on.

An "open" is only the pixel's image being fetched, and much of that is machines:
Apple Mail Privacy Protection fetches every image of every message as it arrives,
from Apple's own network, whether or not anyone reads it; mail scanners and link
checkers fetch images with the rest; a HEAD request reads nothing. Those are counted
as machine opens, apart. What is left is a lower bound on people who read with images
on, not a count of readers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bulletin.domain.clicks import in_networks, is_scanner_agent
from bulletin.domain.networks import IPNetwork

# Apple's own network: Mail Privacy Protection's image proxy fetches from it.
APPLE_NETWORKS: tuple[IPNetwork, ...] = (ipaddress.ip_network("17.0.0.0/8"),)
# Apple's proxy sends no browser's user agent, just this.
APPLE_PROXY_AGENT = "Mozilla/5.0"


@dataclass(frozen=True, eq=False)
class Open:
    """One fetch of a message's pixel, as the web app saw it."""

    campaign_id: int
    subscriber_id: int | None  # None: no reader part that verified
    at: datetime
    user_agent: str = ""
    client: str | None = None
    head: bool = False


def is_machine(opened: Open, *, scanner_networks: Sequence[IPNetwork] = ()) -> bool:
    """A fetch no person caused: Apple's proxy, a scanner, a HEAD, or a reader unknown."""
    if opened.head or opened.subscriber_id is None:
        return True
    if opened.user_agent.strip() == APPLE_PROXY_AGENT:
        return True
    if in_networks(opened.client, APPLE_NETWORKS):
        return True
    return is_scanner_agent(opened.user_agent) or in_networks(opened.client, scanner_networks)
