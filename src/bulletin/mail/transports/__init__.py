"""The relay seam and its relays: where finished messages go (SMTP, providers' APIs, memory)."""

from bulletin.mail.transports.addresses import RelayAddress, RelaySpec, parse_relay
from bulletin.mail.transports.connect import connection_to
from bulletin.mail.transports.now import send_now
from bulletin.mail.transports.seam import BatchResult, Envelope, RelayConnection, Reply

__all__ = [
    "BatchResult",
    "Envelope",
    "RelayAddress",
    "RelayConnection",
    "RelaySpec",
    "Reply",
    "connection_to",
    "parse_relay",
    "send_now",
]
