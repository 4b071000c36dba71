"""Relay addresses: the URLs in `BULLETIN_RELAYS` / `BULLETIN_SMTP_URL`, parsed once.

    smtp://user:pass@mx1.example.net:587?starttls=require&connections=16&rate=500
    smtps://user:pass@mx1.example.net            (implicit TLS, port 465)
    memory                                       (kept in this process: tests, dry runs)
    memory://NAME                                (a memory relay of its own name)
    ses://… sendgrid://… mailgun://… postmark://… (a mail provider's HTTP API: the
                                                  grammar is in `providers.urls`)

Where to connect (scheme, host, port, credentials, `starttls=auto|require|off`) is the
relay's address; the other query options say how the engine uses it:

- `connections`: how many connections to keep open to it (default 16);
- `rate`: at most this many messages per second (default: no limit);
- `window`: `SECONDS:COUNT`, at most COUNT messages in any SECONDS (a provider's hourly
  or daily quota).

Credentials are percent-decoded; nothing here ever puts them in a message or a repr.
A URL that would log in with `starttls=off` to a relay not on loopback is refused
here, at start-up: the password would cross the network in clear. (The SMTP client
also refuses, at run time, to log in over any connection that did not end up
encrypted: `starttls=auto` to a relay that offers no STARTTLS.)
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

from bulletin.domain.errors import ConfigurationError
from bulletin.mail.transports.providers.urls import (
    ProviderAddress,
    is_provider_url,
    parse_provider_url,
)

DEFAULT_CONNECTIONS = 16
SMTP_SCHEMES = ("smtp", "smtps")
MEMORY = "memory"
_SMTP_HELP = "A relay URL looks like smtp://user:password@host:587."
LOCALHOST = "localhost"


@dataclass(frozen=True)
class RelayAddress:
    """Where an SMTP relay is and how to talk to it."""

    host: str
    port: int
    implicit_tls: bool
    starttls: str  # "auto": if offered, "require", or "off"
    username: str | None
    password: str | None = field(repr=False)

    @property
    def display(self) -> str:
        """The relay without credentials, safe to log."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{self.host}:{self.port}"


@dataclass(frozen=True)
class RelaySpec:
    """One configured relay: its address and the engine's options for it."""

    url: str = field(repr=False)  # without the engine's options; may hold credentials
    display: str
    smtp: RelayAddress | None = None  # None for a memory or provider relay
    memory_name: str | None = None
    provider: ProviderAddress | None = None
    connections: int = DEFAULT_CONNECTIONS
    per_second: float = 0.0
    window_s: float = 0.0
    window_count: int = 0


def parse_relay(url: str) -> RelaySpec:
    """The relay a URL names, with its options; ConfigurationError if it names none."""
    parts = urlsplit(url.strip())
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        connections = int(query.pop("connections", DEFAULT_CONNECTIONS))
        per_second = float(query.pop("rate", 0))
        window_s, window_count = _window(query.pop("window", ""))
    except ValueError as exc:
        raise ConfigurationError(f"Bad relay options in {safe_url(url)}: {exc}") from exc
    if connections < 1:
        raise ConfigurationError(f"A relay needs at least one connection: {safe_url(url)}")
    if parts.scheme == MEMORY or parts.path == MEMORY:
        name = parts.hostname or MEMORY
        display = MEMORY if name == MEMORY else f"memory://{name}"
        address, provider, clean = None, None, display
    elif is_provider_url(url):
        clean = urlunsplit(parts._replace(query=urlencode(query)))
        provider = parse_provider_url(clean)
        address, name, display = None, None, provider.display
    else:
        clean = urlunsplit(parts._replace(query=urlencode(query)))
        address, provider = parse_smtp_url(clean), None
        name, display = None, address.display
    return RelaySpec(
        url=clean,
        display=display,
        smtp=address,
        memory_name=name,
        provider=provider,
        connections=connections,
        per_second=per_second,
        window_s=window_s,
        window_count=window_count,
    )


def parse_smtp_url(url: str) -> RelayAddress:
    """smtp://user:pass@host:port?starttls=auto|require|off, or smtps://… (implicit TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        raise ConfigurationError(_SMTP_HELP)
    implicit = parts.scheme == "smtps"
    starttls = parse_qs(parts.query).get("starttls", ["auto"])[0]
    if starttls not in ("auto", "require", "off"):
        raise ConfigurationError("starttls= must be auto, require or off.")
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError("The relay port must be a number from 1 to 65535.") from exc
    address = RelayAddress(
        host=parts.hostname,
        port=port or (465 if implicit else 25),
        implicit_tls=implicit,
        starttls="off" if implicit else starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )
    in_clear = address.starttls == "off" and not implicit
    if address.username and in_clear and not is_loopback(address.host):
        raise ConfigurationError(
            f"{address.display} has a password and starttls=off: it would be sent in "
            "clear. Use starttls=require, smtps:// (port 465), or a relay on loopback."
        )
    return address


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine by its loopback: 127.0.0.0/8, ::1 or `localhost`.

    The one place Bulletin logs in to a relay over a connection that is not encrypted:
    nothing crosses a network. A host name other than `localhost` is not trusted, even
    one that resolves to loopback; an IPv4 address written as IPv6 (::ffff:127.0.0.1,
    as a dual-stack socket reports its peer) counts as the IPv4 address.
    """
    name = host.strip("[]").rstrip(".").lower()
    if name == LOCALHOST:
        return True
    try:
        ip = ipaddress.ip_address(name.partition("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def safe_url(url: str) -> str:
    """The URL without its password or options, for messages and logs."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{parts.hostname or ''}:{port or ''}"


def _window(text: str) -> tuple[float, int]:
    if not text:
        return 0.0, 0
    seconds, _, count = text.partition(":")
    return float(seconds), int(count)
