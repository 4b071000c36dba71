"""Client addresses: who sent a request behind trusted proxies, and the network it is from."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# How much of an address one customer of an ISP usually holds: a /24 of IPv4 (a
# small office, a NAT pool) and a /48 of IPv6 (one site's allocation).
IPV4_PREFIX = 24
IPV6_PREFIX = 48


def parse_ip(text: str) -> IPAddress | None:
    """The address in the text, an IPv4-mapped IPv6 one as its IPv4 address; None if none."""
    try:
        found = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted: Iterable[IPNetwork]
) -> str | None:
    """The address a request came from: the connection's, unless that is a trusted proxy.

    Behind trusted proxies the client is the right-most address in `X-Forwarded-For`
    that is not itself a trusted proxy: every address left of it was written by the
    client (or a proxy we do not know) and can be anything. An entry that is not an
    address stops the walk at the last trusted hop, which is then the best we know.
    """
    networks = tuple(trusted)
    candidate = parse_ip(peer) if peer else None
    if candidate is None or not _in(candidate, networks):
        return str(candidate) if candidate is not None else peer
    hops = [part for header in forwarded_for for part in header.split(",") if part.strip()]
    for hop in reversed(hops):
        found = parse_ip(hop)
        if found is None:
            break
        candidate = found
        if not _in(found, networks):
            break
    return str(candidate)


def network_of(address: str) -> str:
    """The network an address belongs to for counting (/24, /48); other text as it is."""
    found = parse_ip(address)
    if found is None:
        return address
    prefix = IPV4_PREFIX if found.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{found}/{prefix}", strict=False))


def _in(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in networks)
