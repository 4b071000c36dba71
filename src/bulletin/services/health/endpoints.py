"""Where mail leaves this installation: the catcher, or each configured relay's host and port.

Readiness only asks whether a TCP connection opens; it never logs in or sends, so it
holds no credentials and costs the relay nothing but a connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bulletin.config import Settings
from bulletin.domain.errors import ConfigurationError
from bulletin.mail.transports.addresses import parse_relay


@dataclass(frozen=True)
class Endpoint:
    name: str  # safe to show: no credentials
    host: str | None  # None: nothing to reach (a relay in memory)
    port: int = 0
    problem: str = ""  # why it cannot be tried at all


def endpoints(settings: Settings) -> list[Endpoint]:
    if settings.uses_catcher:
        return [Endpoint("mail catcher", settings.catcher_host, settings.catcher_port)]
    return [_endpoint(url) for url in settings.relay_urls]


def _endpoint(url: str) -> Endpoint:
    try:
        spec = parse_relay(url)
    except ConfigurationError:
        return Endpoint("a relay", None, problem="its setting cannot be read")
    if spec.smtp is not None:
        return Endpoint(spec.display, spec.smtp.host, spec.smtp.port)
    if spec.provider is not None:
        parts = urlsplit(spec.provider.base_url)
        default = 443 if parts.scheme == "https" else 80
        return Endpoint(spec.display, parts.hostname, parts.port or default)
    return Endpoint(spec.display, None)
