"""Choosing a transport from configuration: a relay URL, `memory`, or the catcher."""

from __future__ import annotations

from bulletin.mail.transports.base import Transport
from bulletin.mail.transports.memory import MemoryTransport
from bulletin.mail.transports.smtp import SmtpTransport


def transport_from_url(url: str) -> Transport:
    """`smtp://…`/`smtps://…` for a relay (the built-in catcher is one) or `memory`."""
    if url == "memory":
        return MemoryTransport()
    return SmtpTransport(url)
