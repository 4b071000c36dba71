"""Which addresses a story fetch may reach: public ones, judged through IPv6 wrappers.

Python's `is_global` calls `[::127.0.0.1]` or `[64:ff9b::a9fe:a9fe]` global, yet on a
network that routes these forms (IPv4-compatible, NAT64, 6to4, Teredo, IPv4-mapped)
they reach the IPv4 address they carry: loopback, or a cloud's metadata service. An
address of one of these forms is therefore judged by the IPv4 address(es) inside it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from bulletin.config import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
# RFC 8215's local-use NAT64 prefix: it never leaves a private network, whatever it carries.
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")


def is_public(address: IPAddress, allow_networks: Sequence[IPNetwork] = ()) -> bool:
    """True if `address` (and every IPv4 address it wraps) is public or explicitly allowed."""
    if any(address in network for network in allow_networks):
        return True
    if isinstance(address, ipaddress.IPv6Address):
        if address in NAT64_LOCAL_USE:
            return False
        carried = carried_ipv4(address)
        if carried:
            return all(is_public(inner, allow_networks) for inner in carried)
    return address.is_global


def carried_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address of an IPv4-embedding form leads to; () if none."""
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if address.sixtofour is not None:
        return (address.sixtofour,)
    if address.teredo is not None:
        return address.teredo  # the Teredo server and the client's own address
    if address in IPV4_COMPATIBLE or address in NAT64_WELL_KNOWN:
        return (ipaddress.IPv4Address(int(address) & 0xFFFFFFFF),)
    return ()
