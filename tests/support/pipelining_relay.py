"""A small SMTP server that offers PIPELINING and 8BITMIME and records how commands arrive.

aiosmtpd does not offer PIPELINING, so the lean client's pipelined path needs a server
of its own. This one runs on the test's event loop, keeps every raw chunk it reads
(to check that MAIL, RCPT and DATA came in one write), and can be told to refuse a
recipient, to open DATA even after a refusal (as RFC 2920 lets a server do), or to
drop the connection part-way through a message's content.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass
class Delivered:
    mail_from: str
    rcpt_to: str
    data: bytes


@dataclass
class PipeliningRelay:
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_despite_refusal: bool = False
    drop_during_data: bool = False
    eight_bit_mime: bool = True
    chunks: list[bytes] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    delivered: list[Delivered] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None

    async def __aenter__(self) -> PipeliningRelay:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=off"

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 pipelining.test ESMTP\r\n")
        state = _Transaction()
        buffer = b""
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    return
                self.chunks.append(chunk)
                buffer += chunk
                buffer = await self._handle(buffer, state, writer)
                if writer.is_closing():
                    return
        finally:
            writer.close()

    async def _handle(
        self, buffer: bytes, state: _Transaction, writer: asyncio.StreamWriter
    ) -> bytes:
        """Answer every complete line (or message) in `buffer`; return what is left."""
        while True:
            if state.in_data:
                if self.drop_during_data and buffer:
                    writer.close()
                    return b""
                content, buffer = _message_content(buffer)
                if content is None:
                    return buffer
                self._deliver(state, content)
                writer.write(b"250 2.0.0 queued\r\n")
                continue
            line, sep, rest = buffer.partition(b"\r\n")
            if not sep:
                return buffer
            buffer = rest
            writer.write(self._answer(line.decode(), state).encode() + b"\r\n")
            await writer.drain()

    def _answer(self, line: str, state: _Transaction) -> str:
        self.commands.append(line)
        verb = line.split(" ", 1)[0].upper()
        if verb == "EHLO":
            offers = ["pipelining.test", "PIPELINING", *(["8BITMIME"] * self.eight_bit_mime)]
            return "\r\n".join(f"250-{offer}" for offer in offers) + "\r\n250 SIZE 10000000"
        if verb == "MAIL":
            state.reset(mail_from=line.partition(":")[2].split(" ")[0].strip("<>"))
            return "250 OK"
        if verb == "RCPT":
            address = line.partition(":")[2].strip().strip("<>")
            refusal = self.rcpt_replies.get(address)
            if refusal is None:
                state.rcpt_to = address
            return refusal or "250 OK"
        if verb == "DATA":
            if state.rcpt_to is None and not self.data_despite_refusal:
                return "554 5.5.1 no valid recipients"
            state.in_data = True
            return "354 go ahead"
        if verb == "RSET":
            state.reset()
            return "250 OK"
        if verb == "QUIT":
            return "221 bye"
        return "502 5.5.2 not implemented"

    def _deliver(self, state: _Transaction, content: bytes) -> None:
        state.in_data = False
        if state.rcpt_to is not None:
            unstuffed = content.replace(b"\r\n..", b"\r\n.")
            if unstuffed.startswith(b".."):
                unstuffed = unstuffed[1:]
            self.delivered.append(Delivered(state.mail_from, state.rcpt_to, unstuffed))
        state.reset()


def _message_content(buffer: bytes) -> tuple[bytes | None, bytes]:
    """(the message up to its lone dot, what follows), or (None, buffer) if it is not all here."""
    if buffer.startswith(b".\r\n"):
        return b"", buffer[3:]
    end = buffer.find(b"\r\n.\r\n")
    if end == -1:
        return None, buffer
    return buffer[: end + 2], buffer[end + 5 :]


@dataclass
class _Transaction:
    mail_from: str = ""
    rcpt_to: str | None = None
    in_data: bool = False

    def reset(self, *, mail_from: str = "") -> None:
        self.mail_from, self.rcpt_to, self.in_data = mail_from, None, False
