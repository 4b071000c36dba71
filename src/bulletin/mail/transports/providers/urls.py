"""Provider relay URLs: which mail provider's HTTP API, where, and with what credentials.

    ses://KEY_ID:SECRET@email.eu-west-1.amazonaws.com?configuration_set=news
    sendgrid://:API_KEY@api.sendgrid.com
    mailgun://api:API_KEY@api.eu.mailgun.net/news.example.com
    postmark://:SERVER_TOKEN@api.postmarkapp.com?stream=broadcast

The scheme names the provider and means https. `KIND+http://` (e.g.
`postmark+http://:token@127.0.0.1:8025`) speaks plain HTTP, and only to a loopback host:
it exists for tests and benchmarks, and refuses any other host so that an API key can
never cross a network in clear. Options per provider:

- ses: `region=` (else read from an `email.REGION.amazonaws.com` host),
  `configuration_set=`, `feedback=verp` (SES forwards returned mail to our VERP address);
- sendgrid: `ip_pool=`;
- mailgun: the sending domain is the URL's path;
- postmark: `stream=` (default `broadcast`, the stream Postmark requires for list mail).

Credentials are percent-decoded and never shown: `display` and the repr leave them out.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from bulletin.domain.errors import ConfigurationError

KINDS = ("ses", "sendgrid", "mailgun", "postmark")
PROVIDER_SCHEMES = frozenset(KINDS) | {f"{kind}+http" for kind in KINDS}
_OPTIONS = {
    "ses": {"region", "configuration_set", "feedback"},
    "sendgrid": {"ip_pool"},
    "mailgun": set(),
    "postmark": {"stream"},
}
_SES_HOST = re.compile(r"^email\.([a-z0-9-]+)\.amazonaws\.com$")
_HELP = {
    "ses": "ses://KEY_ID:SECRET@email.REGION.amazonaws.com",
    "sendgrid": "sendgrid://:API_KEY@api.sendgrid.com",
    "mailgun": "mailgun://api:API_KEY@api.mailgun.net/YOUR_DOMAIN",
    "postmark": "postmark://:SERVER_TOKEN@api.postmarkapp.com",
}


@dataclass(frozen=True)
class ProviderAddress:
    """Where a provider's API is, the credentials it takes, and the provider's options."""

    kind: str  # one of KINDS
    base_url: str  # scheme, host and port: https://api.sendgrid.com
    username: str = field(repr=False)
    secret: str = field(repr=False)
    options: dict[str, str] = field(default_factory=dict)
    domain: str | None = None  # Mailgun's sending domain

    @property
    def display(self) -> str:
        """The relay without credentials, safe to log."""
        path = f"/{self.domain}" if self.domain else ""
        return f"{self.kind} {self.base_url}{path}"


def is_provider_url(url: str) -> bool:
    return urlsplit(url.strip()).scheme in PROVIDER_SCHEMES


def parse_provider_url(url: str) -> ProviderAddress:
    """The provider relay a URL names (its engine options already removed)."""
    parts = urlsplit(url.strip())
    kind, _, plain = parts.scheme.partition("+")
    if kind not in KINDS or not parts.hostname:
        raise ConfigurationError(
            f"A provider relay URL looks like {_HELP.get(kind, _HELP['ses'])}."
        )
    secret = unquote(parts.password or "")
    if not secret:
        raise ConfigurationError(f"The {kind} relay needs its API key: {_HELP[kind]}.")
    if plain and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{kind}+http:// is for a loopback test server only; use {kind}:// (https) for "
            f"{parts.hostname}."
        )
    options = _options(kind, parts.query)
    return ProviderAddress(
        kind=kind,
        base_url=_base_url(parts, "http" if plain else "https"),
        username=unquote(parts.username or ""),
        secret=secret,
        options=_with_defaults(kind, parts.hostname, options),
        domain=_mailgun_domain(parts.path) if kind == "mailgun" else None,
    )


def _options(kind: str, query: str) -> dict[str, str]:
    given = {key: values[-1] for key, values in parse_qs(query).items()}
    unknown = set(given) - _OPTIONS[kind]
    if unknown:
        allowed = ", ".join(sorted(_OPTIONS[kind])) or "none"
        raise ConfigurationError(
            f"Unknown option for the {kind} relay: {', '.join(sorted(unknown))} "
            f"(its options: {allowed}; and connections, rate, window)."
        )
    return given


def _with_defaults(kind: str, host: str, options: dict[str, str]) -> dict[str, str]:
    if kind == "postmark":
        return {"stream": "broadcast", **options}
    if kind != "ses":
        return options
    if "region" not in options:
        found = _SES_HOST.match(host)
        if not found:
            raise ConfigurationError(
                "The ses relay needs its region: a host email.REGION.amazonaws.com, "
                "or ?region=REGION."
            )
        options = {**options, "region": found.group(1)}
    if options.get("feedback", "verp") != "verp":
        raise ConfigurationError("The ses relay's feedback= option can only be verp.")
    return options


def _mailgun_domain(path: str) -> str:
    domain = path.strip("/")
    if not domain or "/" in domain:
        raise ConfigurationError(f"The mailgun relay needs its sending domain: {_HELP['mailgun']}.")
    return domain


def _base_url(parts: SplitResult, scheme: str) -> str:
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError("The relay port must be a number from 1 to 65535.") from exc
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
