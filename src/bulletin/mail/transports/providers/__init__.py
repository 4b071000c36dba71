"""Mail providers' HTTP APIs as relays (Amazon SES v2, SendGrid, Mailgun, Postmark).

Each is a `RelayConnection` (see `transports.seam`) that maps its provider's answers
onto SMTP's codes; `connection_for` opens the one a relay URL names (`urls`).
"""

from __future__ import annotations

import importlib
import ssl
from typing import Protocol

from bulletin.mail.transports.providers.urls import ProviderAddress
from bulletin.mail.transports.seam import RelayConnection


class _Opens(Protocol):
    def __call__(
        self, address: ProviderAddress, *, ssl_context: ssl.SSLContext, timeout: float
    ) -> RelayConnection: ...


# Each provider's module (and httpx, with the rich and pygments it pulls in) is imported
# when a relay names it, so a worker sending over SMTP never loads them.
_KINDS: dict[str, tuple[str, str]] = {
    "ses": ("ses", "SesConnection"),
    "sendgrid": ("sendgrid", "SendGridConnection"),
    "mailgun": ("mailgun", "MailgunConnection"),
    "postmark": ("postmark", "PostmarkConnection"),
}


def connection_for(
    address: ProviderAddress, *, ssl_context: ssl.SSLContext, timeout: float
) -> RelayConnection:
    """A new connection to the provider's API (it opens on its first batch)."""
    module, name = _KINDS[address.kind]
    opens: _Opens = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    return opens(address, ssl_context=ssl_context, timeout=timeout)
