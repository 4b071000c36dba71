"""An SMTP relay behind the relay seam: one connection, reopened when the relay closed it.

This is where the SMTP client's errors become delivery outcomes (see `seam`): a
connection found closed before the relay answered anything of a message is reopened
and the message sent at once; a connection lost during a message gives it a temporary
reply; a connection that cannot be opened makes the relay unreachable.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence

from bulletin.mail.transports.addresses import RelayAddress, is_loopback
from bulletin.mail.transports.seam import BatchResult, Envelope, Reply
from bulletin.mail.transports.smtp_client import (
    ConnectionStale,
    LocalPolicy,
    SmtpConnection,
    SmtpConnectionLost,
)

# The engine hands over what is waiting, up to this: it never waits to fill. 32 cut the
# smtp share by about 7 % but held 4-5 MB more messages in flight, at the worker's
# 100 MB line (docs/delivery.md): 8 stays.
CHAIN = 8
NEEDS_SMTPUTF8 = Reply(553, "553 5.6.7 Not sent: the address needs SMTPUTF8, which we do not use")


class SmtpRelayConnection:
    """A `RelayConnection` to one SMTP relay (`helo` and `local`: see `SmtpConnection`)."""

    @property
    def batch_size(self) -> int:
        """Up to CHAIN messages chained on an open connection to a relay that pipelines
        (see `SmtpConnection.send_many`); one otherwise, so that a relay that cannot be
        reached is tried by each sender for its own message, as before chaining."""
        client = self._client
        return CHAIN if client is not None and client.pipelining else 1

    def __init__(
        self,
        address: RelayAddress,
        *,
        ssl_context: ssl.SSLContext,
        timeout: float,
        helo: str | None = None,
        local: LocalPolicy = is_loopback,
    ) -> None:
        self.address = address
        self._ssl = ssl_context
        self._timeout = timeout
        self._helo = helo
        self._local = local
        self._client: SmtpConnection | None = None

    async def send_batch(self, envelopes: Sequence[Envelope]) -> BatchResult:
        replies: list[Reply] = []
        if len(envelopes) > 1 and self._client is not None:
            await self._chain(self._client, envelopes, replies)
        for envelope in envelopes[len(replies) :]:
            try:
                replies.append(await self._send(envelope))
            except SmtpConnectionLost as exc:  # no connection could be had: unreachable
                return BatchResult(replies, str(exc))
        return BatchResult(replies)

    async def _chain(
        self, client: SmtpConnection, envelopes: Sequence[Envelope], replies: list[Reply]
    ) -> None:
        """As many as it can of `envelopes` chained on the open connection; the rest (from
        an address needing SMTPUTF8, or the message the connection was lost on) are left
        to the one-by-one path, which answers, reopens or counts them as `_send` does."""
        ascii_run = []
        for envelope in envelopes:
            if not envelope.recipient.isascii():
                break
            ascii_run.append(
                (envelope.sender, envelope.recipient, envelope.data, envelope.eight_bit)
            )
        if len(ascii_run) < 2:
            return
        answers: list[tuple[int, str]] = []
        try:
            await client.send_many(ascii_run, answers)
        except ConnectionStale:
            self._client = None  # the next never reached the relay: it goes again, reopened
        except SmtpConnectionLost as exc:
            self._client = None
            answers.append((451, f"451 connection lost during the message: {exc}"))
        finally:
            replies.extend(Reply(code, text) for code, text in answers)

    async def close(self, *, polite: bool = False) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close(polite=polite)

    async def _send(self, envelope: Envelope) -> Reply:
        if not envelope.recipient.isascii():
            return NEEDS_SMTPUTF8
        if self._client is not None:
            try:
                return await self._attempt(self._client, envelope, fresh=False)
            except ConnectionStale:
                pass  # closed while it sat idle: nobody's fault, so it goes again at once
        return await self._attempt(await self._open(), envelope, fresh=True)

    async def _attempt(self, client: SmtpConnection, envelope: Envelope, *, fresh: bool) -> Reply:
        try:
            code, text = await client.send(
                envelope.sender, envelope.recipient, envelope.data, eight_bit=envelope.eight_bit
            )
        except ConnectionStale as stale:
            self._client = None
            if not fresh or stale.reply is None:
                raise  # on a new connection: the relay hangs up at once, it is not working
            return Reply(*stale.reply)  # a new connection told to wait (421): try later
        except SmtpConnectionLost as exc:
            self._client = None
            return Reply(451, f"451 connection lost during the message: {exc}")
        return Reply(code, text)

    async def _open(self) -> SmtpConnection:
        client = SmtpConnection(
            self.address,
            ssl_context=self._ssl,
            timeout=self._timeout,
            helo=self._helo,
            local=self._local,
        )
        await client.open()  # raises SmtpConnectionLost
        self._client = client
        return client
