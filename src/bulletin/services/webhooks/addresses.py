"""Which URLs webhooks may be sent to: http(s), no credentials, public addresses only.

Endpoints are added by admins, but a webhook is still a request Bulletin makes on
someone's word: pointed at `http://169.254.169.254/` (a cloud's metadata service),
`http://localhost:…` or the newsroom's internal network, it would make Bulletin knock
on doors its own network trusts. So a URL whose host is, or resolves to, a private,
loopback or link-local address is refused when it is saved and again at each delivery
(DNS may answer differently later), unless `BULLETIN_WEBHOOK_ALLOW_NETWORKS` lists its
network. Redirects are never followed. What remains: a DNS server that answers
differently between the check and the connection (rebinding) within one request.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from bulletin.config import IPNetwork
from bulletin.domain.errors import InvalidInput
from bulletin.services.stories.public_addresses import IPAddress, is_public

Resolver = Callable[[str, int], list[IPAddress]]
MAX_URL = 2000


def check_url(url: str) -> str:
    """The URL, stripped, if its form is one a webhook may have; InvalidInput otherwise."""
    url = url.strip()
    if not url or len(url) > MAX_URL:
        raise InvalidInput(f"Give the endpoint's URL (at most {MAX_URL} characters).")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        raise InvalidInput("That is not a URL Bulletin can send to.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("A webhook URL starts with https:// (or http://) and names a host.")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            "Leave credentials out of the URL: every request is signed with the endpoint's "
            "secret, which is how the receiver knows it is Bulletin."
        )
    if parts.fragment:
        raise InvalidInput("A webhook URL has no #fragment.")
    return url


def check_reachable(
    url: str, allow_networks: Sequence[IPNetwork], *, resolve: Resolver | None = None
) -> None:
    """Refuse a URL whose host resolves to an address that is not public (nor allowed)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for address in (resolve or addresses)(host, port):
        if not is_public(address, allow_networks):
            raise InvalidInput(
                f"{host} is at {address}, a private, loopback or link-local address: Bulletin "
                "sends webhooks to public addresses only (an operator can allow a network "
                "with BULLETIN_WEBHOOK_ALLOW_NETWORKS)."
            )


def addresses(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to; none if it does not resolve (the send then fails)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return [ipaddress.ip_address(info[4][0]) for info in found]
