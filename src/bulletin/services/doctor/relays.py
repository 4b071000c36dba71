"""The relays a setup sends through, as the doctor needs them: kind, host, provider.

Read from the relay URLs by scheme alone, never by opening them: a kind of relay
the doctor does not know (added since) is reported as such, not a crash; and
nothing here keeps a credential, so nothing the doctor prints can show one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from bulletin.config import Settings


class Kind(StrEnum):
    SMTP = "smtp"
    PROVIDER = "provider"
    LOCAL = "local"  # the catcher or a memory relay: mail stays on this machine
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Provider:
    name: str
    spf_include: str  # the domain the provider's own SPF record is published at


PROVIDERS = {
    "ses": Provider("Amazon SES", "amazonses.com"),
    "sendgrid": Provider("SendGrid", "sendgrid.net"),
    "mailgun": Provider("Mailgun", "mailgun.org"),
    "postmark": Provider("Postmark", "spf.mtasv.net"),
}


@dataclass(frozen=True)
class Relay:
    display: str  # safe to print: scheme, host and port only
    kind: Kind
    host: str | None = None
    provider: Provider | None = None


def configured_relays(settings: Settings) -> tuple[Relay, ...]:
    if settings.uses_catcher:
        return (Relay("the built-in catcher", Kind.LOCAL),)
    return tuple(_relay(url) for url in settings.relay_urls)


def _relay(url: str) -> Relay:
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or parts.path).lower()
    host = parts.hostname
    if scheme == "memory":
        return Relay(f"memory://{host}" if host else "memory", Kind.LOCAL)
    if scheme in PROVIDERS:
        return Relay(f"{scheme}://{host or ''}", Kind.PROVIDER, host, PROVIDERS[scheme])
    if scheme in ("smtp", "smtps") and host:
        try:
            port = parts.port or (465 if scheme == "smtps" else 25)
        except ValueError:
            port = None
        return Relay(f"{scheme}://{host}:{port or '?'}", Kind.SMTP, host)
    return Relay(f"{scheme or '?'}://{host or ''}", Kind.UNKNOWN, host)
