"""The name Bulletin greets relays with (EHLO): the configured one, the machine's, or its address.

Relays that apply `reject_non_fqdn_helo_hostname` (Postfix) or the like refuse a
greeting that is not a fully qualified domain name, so the literal `EHLO bulletin`
will not do. In order: `BULLETIN_HELO_NAME` when set (checked at start-up to be a
fully qualified name); else this machine's fully qualified name (`socket.getfqdn()`)
when it is one; else the address literal of our end of the connection, such as
`[192.0.2.7]` or `[IPv6:2001:db8::7]`, which RFC 5321 4.1.3 allows a client with no
meaningful name to send.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from functools import lru_cache

from bulletin.domain.hostnames import is_fqdn


@lru_cache(maxsize=1)
def machine_fqdn() -> str:
    """`socket.getfqdn()`, asked once per process: it may wait on DNS."""
    return socket.getfqdn()


def greeting_name(configured: str | None, *, fqdn: Callable[[], str] = machine_fqdn) -> str | None:
    """The name to greet with, or None: greet with the connection's own address literal.

    Called when a relay is set up, never on the event loop (`fqdn` may wait on DNS).
    """
    if configured:
        return configured
    name = fqdn()
    return name if is_fqdn(name) else None


def address_literal(host: str) -> str:
    """Our address as RFC 5321 writes it in EHLO: `[192.0.2.7]`, `[IPv6:2001:db8::7]`."""
    ip = ipaddress.ip_address(host.partition("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"[{ip.ipv4_mapped}]"
        return f"[IPv6:{ip.compressed}]"
    return f"[{ip}]"
