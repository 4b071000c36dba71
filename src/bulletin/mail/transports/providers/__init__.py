"""Mail providers' HTTP APIs as relays (Amazon SES v2, SendGrid, Mailgun, Postmark).

Each is a `RelayConnection` (see `transports.seam`) that maps its provider's answers
onto SMTP's codes; `connection_for` opens the one a relay URL names (`urls`).
"""

from __future__ import annotations

import ssl
from typing import Protocol

from bulletin.mail.transports.providers.mailgun import MailgunConnection
from bulletin.mail.transports.providers.postmark import PostmarkConnection
from bulletin.mail.transports.providers.sendgrid import SendGridConnection
from bulletin.mail.transports.providers.ses import SesConnection
from bulletin.mail.transports.providers.urls import ProviderAddress
from bulletin.mail.transports.seam import RelayConnection


class _Opens(Protocol):
    def __call__(
        self, address: ProviderAddress, *, ssl_context: ssl.SSLContext, timeout: float
    ) -> RelayConnection: ...


_KINDS: dict[str, _Opens] = {
    "ses": SesConnection,
    "sendgrid": SendGridConnection,
    "mailgun": MailgunConnection,
    "postmark": PostmarkConnection,
}


def connection_for(
    address: ProviderAddress, *, ssl_context: ssl.SSLContext, timeout: float
) -> RelayConnection:
    """A new connection to the provider's API (it opens on its first batch)."""
    return _KINDS[address.kind](address, ssl_context=ssl_context, timeout=timeout)
