"""Sending over SMTP to a relay: plain, STARTTLS or implicit TLS, one reused connection."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from bulletin.domain.errors import ConfigurationError
from bulletin.mail.transports.base import Envelope, SendResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RelayAddress:
    host: str
    port: int
    implicit_tls: bool
    starttls: str  # "auto": if offered, "require", or "off"
    username: str | None
    password: str | None = field(repr=False)

    @property
    def display(self) -> str:
        """The relay without credentials, safe to log."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{self.host}:{self.port}"


def parse_relay_url(url: str) -> RelayAddress:
    """smtp://user:pass@host:port?starttls=auto|require|off, or smtps://… (implicit TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigurationError("A relay URL looks like smtp://user:password@host:587.")
    implicit = parts.scheme == "smtps"
    starttls = parse_qs(parts.query).get("starttls", ["auto"])[0]
    if starttls not in ("auto", "require", "off"):
        raise ConfigurationError("starttls= must be auto, require or off.")
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError("The relay port must be a number from 1 to 65535.") from exc
    return RelayAddress(
        host=parts.hostname,
        port=port or (465 if implicit else 25),
        implicit_tls=implicit,
        starttls="off" if implicit else starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class SmtpTransport:
    """One connection to one relay, opened on first use and reused across batches."""

    def __init__(
        self, url: str, *, ssl_context: ssl.SSLContext | None = None, timeout: float = 30.0
    ) -> None:
        self.relay = parse_relay_url(url)
        self._context = ssl_context or ssl.create_default_context()
        self._timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def send_batch(self, envelopes: Sequence[Envelope]) -> SendResult:
        result = SendResult()
        for index, envelope in enumerate(envelopes):
            try:
                code, reply = self._send_reconnecting(envelope)
            except (smtplib.SMTPException, OSError) as exc:
                self._drop_connection()
                reason = f"relay {self.relay.display} unavailable: {_describe(exc)}"
                log.warning("%s", reason)
                # The relay is gone: nothing after this one can go out now either.
                for rest in envelopes[index:]:
                    result.temporary.append((rest.key, reason))
                return result
            result.add(envelope.key, code, reply)
        return result

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._conn.quit()
            self._conn = None

    def _send_reconnecting(self, envelope: Envelope) -> tuple[int, str]:
        """Send one message; if a connection we kept open has been dropped, retry once.

        Relays close idle connections and cap the messages per connection. Neither is
        the message's fault, so it goes again on a fresh connection rather than
        turning the rest of the batch into temporary failures.
        """
        reused = self._conn is not None
        try:
            return self._send_one(envelope)
        except smtplib.SMTPServerDisconnected:
            if not reused:
                raise
            self._drop_connection()
            return self._send_one(envelope)

    def _send_one(self, envelope: Envelope) -> tuple[int, str]:
        if not envelope.recipient.isascii():
            return 553, "553 5.6.7 Not sent: the address needs SMTPUTF8, which we do not use"
        conn = self._connection()
        code, reply = conn.mail(envelope.sender)
        if code != 250:
            conn.rset()
            # The relay refused us, not this reader: never a reason to give up on them.
            return (code if code < 500 else 451), _text(code, reply)
        code, reply = conn.rcpt(envelope.recipient)
        if code not in (250, 251):
            conn.rset()
            return code, _text(code, reply)
        try:
            code, reply = conn.data(envelope.data)
        except smtplib.SMTPDataError as exc:
            conn.rset()
            return exc.smtp_code, _text(exc.smtp_code, exc.smtp_error)
        return code, _text(code, reply)

    def _connection(self) -> smtplib.SMTP:
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def _open(self) -> smtplib.SMTP:
        relay = self.relay
        conn: smtplib.SMTP
        if relay.implicit_tls:
            conn = smtplib.SMTP_SSL(
                relay.host, relay.port, timeout=self._timeout, context=self._context
            )
        else:
            conn = smtplib.SMTP(relay.host, relay.port, timeout=self._timeout)
        try:
            self._greet(conn)
        except BaseException:
            conn.close()  # a refused TLS or login must not leave the socket open
            raise
        return conn

    def _greet(self, conn: smtplib.SMTP) -> None:
        relay = self.relay
        conn.ehlo_or_helo_if_needed()
        if not relay.implicit_tls and relay.starttls != "off":
            if conn.has_extn("starttls"):
                conn.starttls(context=self._context)
                conn.ehlo()
            elif relay.starttls == "require":
                raise smtplib.SMTPNotSupportedError("relay does not offer STARTTLS")
        if relay.username:
            conn.login(relay.username, relay.password or "")

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None


def _text(code: int, reply: bytes | str) -> str:
    message = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {message}".strip()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
