"""The relay seam: a connection to somewhere that accepts messages, and what it says back.

Everything Bulletin sends goes through this one interface: the engine's pooled sends
to readers, confirmations, and every test send from the desk or the command line
(`transports.now` wraps it for code that is not async). Implementations: an SMTP
relay (`smtp`, the built-in catcher is one), the in-process `memory` relay for tests
and dry runs, and the HTTP APIs of mail providers (`providers`: SES, SendGrid,
Mailgun, Postmark), which map their providers' answers onto the codes below.

The contract
------------
A `RelayConnection` is used by one task at a time and lives as long as its user wants:

- `send_batch(envelopes)` hands over up to `batch_size` messages (each one envelope
  sender, one recipient, the message bytes) and returns a `BatchResult`. The
  connection opens itself when it needs to (connect, greet, secure, log in), and
  keeps the connection open between batches.
- `close(polite=True)` ends it (an SMTP QUIT); the next `send_batch` opens again.

What a `BatchResult` says:

- `replies` holds one `Reply(code, text)` for each envelope the relay was asked to
  take, in order: a prefix of the batch, all of it unless the relay became unreachable.
  The code is read as SMTP reads it, whatever the relay speaks (an HTTP API maps its
  answers onto it): 2xx **accepted** (the message is the relay's now; the text is its
  receipt, kept in the ledger); 4xx **temporary** (try this message again later, with
  back-off, until its deadline); 5xx **permanent** (this message will never be
  accepted as it is: the reply is kept, the message is not retried).
- `unreachable` is None, or the reason the relay could not be reached (refused, no
  answer in time, TLS or login refused, or it broke the protocol). The envelopes past
  the replies were never handed over: nothing about them is known, so they may go
  through another relay at once. The reason is safe to log and show: it never holds
  a password.

What a lost connection means: a pooled connection that the relay closed while it sat
idle (relays close idle connections after a few minutes) is not a failure of anyone's.
An implementation that finds its connection closed before the relay said anything
about a message reopens it and sends that message at once; only when it cannot open
a connection is the relay unreachable. A connection lost *during* a message (after the
relay had answered part of it) gives that message a temporary reply: it is retried
later, since the relay may or may not have taken it, and the next message opens a
fresh connection.

Partial failure is data, never an exception: one refused recipient does not stop the
batch. `send_batch` raises only for programming errors.

Personalised messages: one request for many readers
---------------------------------------------------
A campaign's messages differ only by each reader's values (their address, the tokens
in their links, their subscriber id, their return tags: `mail.skeleton.SLOTS`). An
envelope made from a campaign's skeleton says so, beside its finished bytes:

- `template` is the campaign's `Template`, one object shared by all its envelopes:
  `source`, the whole message as built with a placeholder where each value goes, and
  `slots`, the (name, placeholder) pairs in the order of the envelope's `values`;
- `values` are this reader's values, in that order (UTF-8 bytes). Filling each
  placeholder of `source` with its value gives `data` (less the DKIM-Signature headers,
  which only the finished bytes carry): the two say the same message.

A relay whose API takes a message once with substitutions per recipient (SendGrid's
personalizations, Mailgun's recipient variables) may send the consecutive envelopes
of one template in one request, up to its `batch_size`; one that does not ignores the
two fields and sends `data`, as SMTP does. Either way it answers each envelope in
order: a refusal of the whole request answers every envelope in it alike, and a
provider's refusal of one recipient answers that envelope alone. Envelopes made
otherwise (confirmations, test sends) have no template and go as `data`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol


class Template:
    """A campaign's message with placeholders for each reader's values, shared by its
    envelopes (compared by identity: a relay groups envelopes by it)."""

    __slots__ = ("slots", "source")

    def __init__(self, source: bytes, slots: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.slots = tuple(slots)

    def __repr__(self) -> str:
        return f"Template({len(self.source)} bytes, slots {[n for n, _ in self.slots]})"


class Envelope(NamedTuple):
    """One message to one reader. A named tuple: the engine makes one per message, and a
    frozen dataclass costs four times as much to make."""

    key: int
    sender: str
    recipient: str
    data: bytes
    eight_bit: bool = False
    # The campaign's shared message and this reader's values in it (see the docstring).
    template: Template | None = None
    values: Sequence[bytes] = ()


class Reply(NamedTuple):
    """The relay's answer for one message: an SMTP code and its text (with the code)."""

    code: int
    text: str

    @property
    def accepted(self) -> bool:
        return 200 <= self.code < 300

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600


class BatchResult(NamedTuple):
    replies: list[Reply]
    unreachable: str | None = None


class RelayConnection(Protocol):
    """One connection to a relay (see the module's docstring for the contract)."""

    @property
    def batch_size(self) -> int:
        """The most envelopes one `send_batch` takes now (SMTP: 1 until its connection is open, then
        a few chained on it; it may change between calls)."""
        ...

    async def send_batch(self, envelopes: Sequence[Envelope]) -> BatchResult: ...

    async def close(self, *, polite: bool = False) -> None: ...


def unreachable_reply(display: str, reason: str) -> Reply:
    """The temporary reply that records a message whose relay could not be reached."""
    return Reply(451, f"451 relay {display} unavailable: {reason}")
