"""Opening the relay seam for a configured relay: SMTP, a mail provider's API, or memory."""

from __future__ import annotations

import ssl

from bulletin.mail.transports.addresses import RelaySpec
from bulletin.mail.transports.memory import MemoryConnection, memory_box
from bulletin.mail.transports.providers import connection_for
from bulletin.mail.transports.seam import RelayConnection
from bulletin.mail.transports.smtp import SmtpRelayConnection

DEFAULT_TIMEOUT_S = 30.0


def connection_to(
    spec: RelaySpec,
    *,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    helo: str | None = None,
) -> RelayConnection:
    """A new, not yet opened connection to the relay (it opens on its first batch).

    `helo` is the name to greet an SMTP relay with (`helo.greeting_name`).
    """
    if spec.memory_name is not None:
        return MemoryConnection(memory_box(spec.memory_name))
    context = ssl_context or ssl.create_default_context()
    if spec.provider is not None:
        return connection_for(spec.provider, ssl_context=context, timeout=timeout)
    assert spec.smtp is not None, "a relay spec names SMTP, a provider or memory"
    return SmtpRelayConnection(spec.smtp, ssl_context=context, timeout=timeout, helo=helo)
