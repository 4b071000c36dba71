"""A real IMAP server for the tests: Debian's Dovecot on loopback, with a config of its own.

It runs in the foreground under the test run (never the system's Dovecot, whose config
is not read), in a temporary directory holding its config, a passwd-file of users, one
Maildir per user, a certificate from a private CA (trustme) and its log. It listens on
two free loopback ports: IMAP (plain login allowed, STARTTLS offered) and IMAPS. Each
test takes a user of its own, so each starts with an empty mailbox.

Run as root (CI), Dovecot's own unprivileged users run its processes and own the mail;
run as anyone else, everything runs as that user.
"""

from __future__ import annotations

import grp
import itertools
import os
import pwd
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme
from imapclient import IMAPClient

from tests.support.ports import free_port

DOVECOT = Path(os.environ.get("BULLETIN_TEST_DOVECOT", "/usr/sbin/dovecot"))
HOST = "127.0.0.1"
DH_PARAMS = Path("/usr/share/dovecot/dh.pem")
_users = itertools.count(1)
POOL = 100  # users made at a time

CONFIG = """\
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:~/Maildir
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
{dh}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
# No growing delay for 127.0.0.1 after the wrong-password tests' failed logins: the auth
# penalty is off when the auth process cannot reach anvil's penalty socket.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps_port}
    ssl = yes
  }}
}}
"""


@dataclass(frozen=True)
class ImapUser:
    name: str
    password: str


class Dovecot:
    """Start, add users, talk to it as a mail client would, stop."""

    def __init__(self) -> None:
        # A short path of its own: Dovecot's unix sockets live under it (108 bytes at most).
        self.root = Path(tempfile.mkdtemp(prefix="bulletin-dovecot-"))
        self.imap_port = free_port()
        self.imaps_port = free_port()
        self.ca = trustme.CA()
        self._process: subprocess.Popen[bytes] | None = None
        self._unused: list[ImapUser] = []
        if os.geteuid() == 0:
            mail_owner = pwd.getpwnam("dovecot")
            self._internal = ("dovecot", "dovecot", "dovenull")
        else:
            mail_owner = pwd.getpwuid(os.geteuid())
            self._internal = (mail_owner.pw_name, _group(mail_owner.pw_gid), mail_owner.pw_name)
        self._uid, self._gid = mail_owner.pw_uid, mail_owner.pw_gid

    def start(self) -> Dovecot:
        self.root.chmod(0o755)
        (self.root / "mail").mkdir()
        os.chown(self.root / "mail", self._uid, self._gid)
        self._write_certificate()
        (self.root / "passwd").write_text("")
        (self.root / "passwd").chmod(0o644)
        self._add_users(POOL)  # made before it starts: see new_user
        internal_user, internal_group, login_user = self._internal
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                host=HOST,
                root=self.root,
                internal_user=internal_user,
                internal_group=internal_group,
                login_user=login_user,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                dh=f"ssl_dh = <{DH_PARAMS}" if DH_PARAMS.exists() else "",
            )
        )
        self._process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_until_listening()
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
            self._process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def new_user(self) -> ImapUser:
        """A user of its own, with an empty mailbox."""
        if not self._unused:
            self._add_users(POOL)
            # Dovecot looks at the passwd-file's size and time at most once a second.
            time.sleep(1.1)
        return self._unused.pop(0)

    def _add_users(self, count: int) -> None:
        lines = []
        for _ in range(count):
            user = ImapUser(f"newsroom{next(_users)}", secrets.token_urlsafe(12))
            home = self.root / "mail" / user.name
            lines.append(
                f"{user.name}:{{PLAIN}}{user.password}:{self._uid}:{self._gid}::{home}::\n"
            )
            self._unused.append(user)
        with (self.root / "passwd").open("a") as passwd:
            passwd.writelines(lines)

    def url(self, user: ImapUser, *, way: str = "plain", password: str | None = None) -> str:
        """BULLETIN_BOUNCE_IMAP_URL for the user: `plain`, `starttls` or `imaps`."""
        secret = user.password if password is None else password
        if way == "imaps":
            return f"imaps://{user.name}:{secret}@{HOST}:{self.imaps_port}/INBOX"
        starttls = "require" if way == "starttls" else "off"
        return f"imap://{user.name}:{secret}@{HOST}:{self.imap_port}/INBOX?starttls={starttls}"

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def client(self, user: ImapUser) -> Any:
        """A logged-in mail client, as the mail host would deliver with (APPEND) and a person
        would look with."""
        client = IMAPClient(HOST, port=self.imap_port, ssl=False, timeout=10)
        client.login(user.name, user.password)
        return client

    def deliver(self, user: ImapUser, *messages: bytes) -> None:
        """Put messages into the user's INBOX, as the mail host's delivery would."""
        client = self.client(user)
        try:
            for message in messages:
                client.append("INBOX", message)
        finally:
            client.logout()

    def folders(self, user: ImapUser) -> dict[str, int]:
        """How many messages each of the user's folders holds."""
        client = self.client(user)
        try:
            listed = client.list_folders()
            names = [name for flags, _, name in listed if b"\\Noselect" not in flags]
            counts = {name: client.folder_status(name, [b"MESSAGES"]) for name in names}
            return {name: int(status[b"MESSAGES"]) for name, status in counts.items()}
        finally:
            client.logout()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _write_certificate(self) -> None:
        cert = self.ca.issue_cert(HOST)
        cert.private_key_pem.write_to_path(str(self.root / "key.pem"))
        with (self.root / "cert.pem").open("wb") as out:
            for pem in cert.cert_chain_pems:
                out.write(pem.bytes())

    def _wait_until_listening(self, timeout: float = 15.0) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode() if self._process.stderr else ""
                raise RuntimeError(f"dovecot exited at start: {err}{self.log()}")
            try:
                with socket.create_connection((HOST, self.imap_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen within {timeout} s: {self.log()}")


def _group(gid: int) -> str:
    return grp.getgrgid(gid).gr_name
