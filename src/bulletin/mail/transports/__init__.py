"""Mail transports: where finished messages go (a relay, the catcher, a list in memory)."""

from bulletin.mail.transports.base import Envelope, SendResult, Transport, classify_reply
from bulletin.mail.transports.factory import transport_from_url

__all__ = ["Envelope", "SendResult", "Transport", "classify_reply", "transport_from_url"]
