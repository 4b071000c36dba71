"""A lean asyncio SMTP client for bulk sending: one connection, many messages.

Why not aiosmtplib: measured on this project's 2-core machine against an aiosmtpd sink
(uvloop, 16 connections, 20,000 messages), aiosmtplib spends 0.21 s of CPU per 1,000
messages, most of the engine's whole budget (0.25 s for claim, render, send, record);
this client, which only does what bulk sending needs, spends 0.11 s. It speaks EHLO,
STARTTLS, implicit TLS, AUTH PLAIN/LOGIN, 8BITMIME and PIPELINING (RFC 2920) when the
relay offers it. The blocking `SmtpTransport` (smtplib) stays the simple path for
low-volume mail.

Errors: a reply is data (`(code, text)`); losing the connection, a timeout or a
protocol violation raises `SmtpConnectionLost`, and the caller decides what becomes of
the message (it was not accepted, so it is retried).
"""

from __future__ import annotations

import asyncio
import base64
import ssl

from bulletin.mail.transports.smtp import RelayAddress

CRLF = b"\r\n"


class SmtpConnectionLost(Exception):
    """The connection failed, timed out or the relay broke the protocol."""


class SmtpConnection:
    def __init__(self, relay: RelayAddress, *, ssl_context: ssl.SSLContext, timeout: float) -> None:
        self.relay = relay
        self._ssl = ssl_context
        self._timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.extensions: dict[str, str] = {}
        # A timeout per message would cost a timer per message; instead one check a
        # second aborts the connection if the message in hand has taken too long.
        self._deadline: float | None = None
        self._timed_out = False
        self._watchdog: asyncio.TimerHandle | None = None

    @property
    def pipelining(self) -> bool:
        return "pipelining" in self.extensions

    async def open(self) -> None:
        relay = self.relay
        try:
            async with asyncio.timeout(self._timeout):
                self._reader, self._writer = await asyncio.open_connection(
                    relay.host, relay.port, ssl=self._ssl if relay.implicit_tls else None
                )
                await self._expect(220)
                await self._ehlo()
                if not relay.implicit_tls and relay.starttls != "off":
                    await self._starttls()
                if relay.username:
                    await self._login()
        except (OSError, TimeoutError, ssl.SSLError, EOFError, ValueError) as exc:
            await self.close()
            raise SmtpConnectionLost(f"{type(exc).__name__}: {exc}") from exc
        self._watch()

    async def send(
        self, sender: str, recipient: str, data: bytes, *, eight_bit: bool
    ) -> tuple[int, str]:
        """Deliver one message; returns the relay's final reply for it."""
        body = " BODY=8BITMIME" if eight_bit and "8bitmime" in self.extensions else ""
        commands = [f"MAIL FROM:<{sender}>{body}", f"RCPT TO:<{recipient}>", "DATA"]
        self._deadline = self._loop_time() + self._timeout
        try:
            return await self._transaction(commands, data)
        except (OSError, EOFError, ValueError) as exc:
            timed_out = self._timed_out
            await self.close()
            if timed_out:
                raise SmtpConnectionLost(f"no answer within {self._timeout:.0f} s") from exc
            raise SmtpConnectionLost(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self._deadline = None

    def _loop_time(self) -> float:
        return asyncio.get_running_loop().time()

    def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        if self._deadline is not None and loop.time() > self._deadline and self._writer:
            self._timed_out = True
            self._writer.transport.abort()
        self._watchdog = loop.call_later(1.0, self._watch)

    async def close(self, *, polite: bool = False) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        writer, self._writer, self._reader = self._writer, None, None
        if writer is None:
            return
        try:
            if polite:
                writer.write(b"QUIT\r\n")
                await asyncio.wait_for(writer.drain(), 2)
            writer.close()
        except (OSError, TimeoutError):
            pass

    async def _transaction(self, commands: list[str], data: bytes) -> tuple[int, str]:
        if self.pipelining:
            self._write(CRLF.join(c.encode() for c in commands) + CRLF)
            replies = [await self._reply() for _ in commands]
        else:
            replies = []
            for command in commands:
                self._write(command.encode() + CRLF)
                replies.append(await self._reply())
                if replies[-1][0] >= 400:
                    break
        return await self._finish(replies, data)

    async def _finish(self, replies: list[tuple[int, str]], data: bytes) -> tuple[int, str]:
        """Send the message after a good envelope; otherwise reset and report the refusal."""
        refusal = next((reply for reply in replies[:2] if reply[0] >= 400), None)
        data_reply = replies[2] if len(replies) == 3 else None
        if refusal and data_reply and data_reply[0] == 354:
            self._write(b".\r\n")  # RFC 2920: end a DATA the relay opened despite a refusal
            await self._reply()
        if refusal or data_reply is None or data_reply[0] != 354:
            self._write(b"RSET\r\n")
            await self._reply()
            code, text = refusal or data_reply or (451, "451 no reply to DATA")
            if refusal is replies[0] and code >= 500:
                code = 451  # the relay refused our envelope sender, not this reader
            return code, text
        self._write(_dot_stuffed(data))
        return await self._reply()

    def _write(self, payload: bytes) -> None:
        if self._writer is None:
            raise EOFError("connection closed")
        self._writer.write(payload)

    async def _reply(self) -> tuple[int, str]:
        lines = await self._reply_lines()
        return int(lines[-1][:3]), " ".join(lines).strip()

    async def _reply_lines(self) -> list[str]:
        """One (possibly multi-line) reply; ValueError if it is not SMTP."""
        if self._reader is None:
            raise EOFError("connection closed")
        lines = []
        while True:
            line = await self._reader.readline()
            if not line.endswith(b"\n"):
                raise EOFError("relay closed the connection")
            if len(line) < 4 or not line[:3].isdigit():
                raise ValueError(f"not an SMTP reply: {line[:40]!r}")
            lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
            if line[3:4] != b"-":
                return lines

    async def _expect(self, code: int) -> tuple[int, str]:
        reply = await self._reply()
        if reply[0] != code:
            raise OSError(f"relay said {reply[1]!r}")
        return reply

    async def _ehlo(self) -> None:
        self._write(b"EHLO bulletin\r\n")
        lines = await self._reply_lines()
        if not lines[-1].startswith("250"):
            raise OSError(f"relay refused EHLO: {lines[-1]!r}")
        self.extensions = _extensions(lines[1:])

    async def _starttls(self) -> None:
        if "starttls" not in self.extensions:
            if self.relay.starttls == "require":
                raise OSError("relay does not offer STARTTLS")
            return
        self._write(b"STARTTLS\r\n")
        await self._expect(220)
        assert self._writer is not None
        await self._writer.start_tls(self._ssl, server_hostname=self.relay.host)
        await self._ehlo()

    async def _login(self) -> None:
        user, password = self.relay.username or "", self.relay.password or ""
        if "PLAIN" in self.extensions.get("auth", "").upper().split():
            token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
            self._write(f"AUTH PLAIN {token}\r\n".encode())
            await self._expect(235)
            return
        self._write(b"AUTH LOGIN\r\n")
        await self._expect(334)
        self._write(base64.b64encode(user.encode()) + CRLF)
        await self._expect(334)
        self._write(base64.b64encode(password.encode()) + CRLF)
        await self._expect(235)


def _extensions(lines: list[str]) -> dict[str, str]:
    """EHLO keywords (lower-cased) and their parameters, from the lines after the greeting."""
    found: dict[str, str] = {}
    for line in lines:
        keyword, _, params = line[4:].strip().partition(" ")
        if keyword:
            found[keyword.lower()] = params
    return found


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA carries it: leading dots doubled, CRLF ends, ended by a lone dot."""
    stuffed = data.replace(b"\r\n.", b"\r\n..")
    if stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    if not stuffed.endswith(CRLF):
        stuffed += CRLF
    return stuffed + b".\r\n"
