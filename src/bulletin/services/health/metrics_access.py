"""Who may read the metrics: loopback, the allowed networks, or the bearer of the token."""

from __future__ import annotations

import hmac
import ipaddress

from bulletin.config import Settings


def may_read(settings: Settings, *, client: str | None, authorization: str) -> bool:
    token = settings.metrics_token
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    try:
        ip = ipaddress.ip_address(client or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or any(ip in network for network in settings.metrics_networks)
