"""The bounce mailbox over IMAP: its address, and the few commands the poller needs.

    imaps://user:password@imap.example.org/INBOX           implicit TLS (port 993)
    imap://user:password@imap.example.org/Bounces          STARTTLS on port 143
    imap://user:password@127.0.0.1:1143/INBOX?starttls=off  loopback only: no TLS
    imaps://…/INBOX?idle=off                                never IDLE: poll each interval

`starttls=` is `require` by default (the password never crosses in the clear), `auto`
(when offered) or `off`. The user name and password are percent-decoded; the password
is in no repr, message or log line (`display` is the mailbox without it).

A `Mailbox` is one logged-in connection with its folder selected. It lists the
messages waiting, fetches one without marking it `\\Seen`, moves one into a folder of
ours (`Bulletin/Processed`, `Bulletin/Unreadable`: created when first needed, named
with the server's own hierarchy separator under its personal namespace), and waits
for new mail — with IDLE when the server offers it, else by sleeping. Every library,
socket and TLS error becomes `MailboxUnavailable` here and nowhere else.
"""

from __future__ import annotations

import contextlib
import imaplib
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from bulletin.domain.errors import ConfigurationError, MailboxUnavailable

PROCESSED = ("Bulletin", "Processed")
UNREADABLE = ("Bulletin", "Unreadable")
TIMEOUT_S = 30.0
IDLE_SLICE_S = 1.0  # how often an IDLE wait looks at its stop event
MASK = "••••••"
DELETED = b"\\Deleted"
_NAME = "BULLETIN_BOUNCE_IMAP_URL"
_HELP = f"{_NAME} looks like imaps://user:password@imap.example.org/INBOX."
_STARTTLS = ("require", "auto", "off")
_FLAGS = {"on": True, "off": False}


@dataclass(frozen=True)
class ImapAddress:
    """Where the mailbox is, how to log in to it, and which folder holds the mail."""

    host: str
    port: int
    implicit_tls: bool
    starttls: str  # "require", "auto" (if offered) or "off"
    username: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    idle: bool = True  # use IDLE when the server offers it

    @property
    def display(self) -> str:
        """The mailbox without its password, safe to log."""
        scheme = "imaps" if self.implicit_tls else "imap"
        return f"{scheme}://{self.username}@{self.host}:{self.port}/{self.folder}"

    def scrub(self, text: str) -> str:
        """`text` with the password masked, should a server ever echo it back."""
        return text.replace(self.password, MASK) if self.password else text


def parse_imap_url(url: str) -> ImapAddress:
    """The mailbox an `imap://` or `imaps://` URL names; ConfigurationError if it names none."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ConfigurationError(_HELP)
    if not parts.username or parts.password is None:
        raise ConfigurationError(f"{_HELP} It needs a user name and a password.")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    starttls = query.pop("starttls", "require")
    idle = query.pop("idle", "on")
    if starttls not in _STARTTLS:
        raise ConfigurationError(f"{_NAME}: starttls= must be require, auto or off.")
    if idle not in _FLAGS:
        raise ConfigurationError(f"{_NAME}: idle= must be on or off.")
    if query:
        raise ConfigurationError(
            f"{_NAME}: unknown option {', '.join(sorted(query))} (known: starttls, idle)."
        )
    try:
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"{_NAME}: the port must be 1 to 65535.") from None
    implicit = parts.scheme == "imaps"
    return ImapAddress(
        host=parts.hostname,
        port=port or (993 if implicit else 143),
        implicit_tls=implicit,
        starttls="off" if implicit else starttls,
        username=unquote(parts.username),
        password=unquote(parts.password),
        folder=unquote(parts.path.strip("/")) or "INBOX",
        idle=_FLAGS[idle],
    )


@dataclass(frozen=True)
class Fetched:
    """One message as the server holds it; `data` is None when it is over the size limit."""

    uid: int
    size: int
    data: bytes | None


class Mailbox:
    """One logged-in connection to the mailbox with its folder selected (open, then close)."""

    def __init__(self, client: Any, address: ImapAddress) -> None:
        self._client = client
        self.address = address
        self._prefix, self._separator = _namespace(client)
        self._folders: set[str] = set()

    @classmethod
    def open(
        cls,
        address: ImapAddress,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = TIMEOUT_S,
    ) -> Mailbox:
        """Connect, secure, log in and select the folder; MailboxUnavailable if any fails."""
        context = ssl_context or ssl.create_default_context()
        client: Any = None
        try:
            with _translated(address, "could not be reached"):
                client = IMAPClient(
                    address.host,
                    port=address.port,
                    ssl=address.implicit_tls,
                    ssl_context=context,
                    timeout=timeout,
                )
                _secure(client, address, context)
            with _translated(address, "refused the login"):
                client.login(address.username, address.password)
            with _translated(address, f"has no folder {address.folder!r}"):
                client.select_folder(address.folder)
            with _translated(address, "could not be read"):
                return cls(client, address)
        except MailboxUnavailable:
            if client is not None:
                _close(client)
            raise

    @property
    def idles(self) -> bool:
        """True when waiting for mail uses IDLE (offered by the server, not turned off)."""
        return self.address.idle and self._client.has_capability("IDLE")

    def waiting(self) -> list[int]:
        """The UIDs of the messages in the folder, oldest first (none marked deleted)."""
        with _translated(self.address, "could not be searched"):
            return sorted(int(uid) for uid in self._client.search(["NOT", "DELETED"]))

    def fetch(self, uid: int, *, max_bytes: int) -> Fetched | None:
        """The message (not marked `\\Seen`); None if it is gone since it was listed."""
        with _translated(self.address, "could not be read"):
            sizes = self._client.fetch([uid], ["RFC822.SIZE"])
            if uid not in sizes:
                return None
            size = int(sizes[uid].get(b"RFC822.SIZE", 0))
            if size > max_bytes:
                return Fetched(uid, size, None)
            found = self._client.fetch([uid], ["BODY.PEEK[]"])
        if uid not in found:
            return None
        return Fetched(uid, size, bytes(found[uid].get(b"BODY[]") or b""))

    def move(self, uid: int, folder: tuple[str, ...]) -> str:
        """Move the message into one of our folders (made if missing); its full name."""
        name = self.folder_name(folder)
        with _translated(self.address, f"could not move a message to {name}"):
            self._ensure(name)
            try:
                self._move(uid, name)
            except imaplib.IMAP4.error as exc:
                if "EXPUNGEISSUED" not in str(exc):
                    raise
                # Another session (a `bounces poll --once` beside us) took it and moved it.
        return name

    def _move(self, uid: int, name: str) -> None:
        if self._client.has_capability("MOVE"):
            self._client.move([uid], name)
            return
        # RFC 3501 alone: copy, mark deleted, expunge just that one when the server can.
        self._client.copy([uid], name)
        self._client.add_flags([uid], [DELETED])
        if self._client.has_capability("UIDPLUS"):
            self._client.uid_expunge([uid])
        else:  # a plain EXPUNGE: the mailbox is Bulletin's own
            self._client.expunge()

    def folder_name(self, folder: tuple[str, ...]) -> str:
        """Our folder's name on this server: its namespace prefix and hierarchy separator."""
        return self._prefix + (self._separator or "-").join(folder)

    def wait_for_mail(self, seconds: float, stop: threading.Event) -> None:
        """Until new mail arrives (IDLE) or `seconds` pass or `stop` is set."""
        if not self.idles:
            stop.wait(seconds)
            return
        deadline = time.monotonic() + seconds
        with _translated(self.address, "stopped answering"):
            self._client.idle()
            try:
                while not stop.is_set() and time.monotonic() < deadline:
                    responses = self._client.idle_check(timeout=IDLE_SLICE_S)
                    if any(_is_new_mail(r) for r in responses):
                        break
            finally:
                self._client.idle_done()

    def close(self) -> None:
        _close(self._client)

    def _ensure(self, name: str) -> None:
        if name in self._folders:
            return
        if not self._client.folder_exists(name):
            self._client.create_folder(name)
            with contextlib.suppress(imaplib.IMAP4.error):  # so mail clients show it
                self._client.subscribe_folder(name)
        self._folders.add(name)


def _secure(client: Any, address: ImapAddress, context: ssl.SSLContext) -> None:
    if address.implicit_tls or address.starttls == "off":
        return
    if client.has_capability("STARTTLS"):
        client.starttls(context)
    elif address.starttls == "require":
        raise MailboxUnavailable(
            f"{address.display} does not offer STARTTLS, so the password would cross in the "
            "clear; use imaps://, or add ?starttls=off only for a mailbox on this machine."
        )


def _namespace(client: Any) -> tuple[str, str | None]:
    """(prefix, separator) of the personal namespace, where our folders are made."""
    if client.has_capability("NAMESPACE"):
        personal = client.namespace().personal
        if personal:
            prefix, separator = personal[0]
            return _text(prefix), _text(separator) if separator else None
    listed = client.list_folders("", "")  # LIST "" "": the hierarchy separator alone
    separator = listed[0][1] if listed else None
    return "", _text(separator) if separator else None


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _is_new_mail(response: object) -> bool:
    return isinstance(response, tuple) and len(response) >= 2 and response[1] == b"EXISTS"


def _close(client: Any) -> None:
    try:
        client.logout()
    except Exception:  # already gone with the server, or never logged in
        with contextlib.suppress(Exception):
            client.shutdown()


@contextlib.contextmanager
def _translated(address: ImapAddress, what: str) -> Iterator[None]:
    """IMAP, socket and TLS errors as MailboxUnavailable, naming the mailbox, never the password."""
    try:
        yield
    except MailboxUnavailable:
        raise
    except LoginError as exc:
        raise MailboxUnavailable(
            f"{address.display} refused the login: {address.scrub(_reason(exc))}"
        ) from None
    except (imaplib.IMAP4.error, OSError, EOFError, ValueError) as exc:
        reason = address.scrub(_reason(exc))
        raise MailboxUnavailable(f"{address.display} {what}: {reason}") from None


def _reason(exc: BaseException) -> str:
    """The error's own words: imaplib passes the server's reply on as bytes, or as their repr."""
    text = exc.args[0] if len(exc.args) == 1 else str(exc)
    text = _text(text) if isinstance(text, str | bytes) else str(text)
    if len(text) > 2 and text[:2] in ("b'", 'b"') and text[-1] == text[1]:
        text = text[2:-1]
    return text.strip() or type(exc).__name__
