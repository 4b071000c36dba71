"""`bulletin serve` in a real process on loopback, as an operator starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

from bulletin.config import Settings
from bulletin.mail.catcher import CaughtMessage, caught
from bulletin.services.context import Context
from bulletin.store import migrate
from bulletin.store.db import Database
from tests.support.ports import free_port

BIN = Path(sys.executable).parent / "bulletin"
DEADLINE_S = 60.0  # a busy two-core machine, tests in two workers: a server may take 30 s
T = TypeVar("T")


def wait_for(condition: Callable[[], T | None], what: str, deadline_s: float = DEADLINE_S) -> T:
    """Poll until `condition()` is truthy; the deadline only guards against a hang."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Served:
    base_url: str
    env: dict[str, str]
    catcher_dir: Path
    log: Path

    @contextmanager
    def context(self) -> Iterator[Context]:
        """What a `bulletin` command against this server opens, in this process: the same
        code without a command's start-up (a second and more a command on this machine)."""
        ctx = Context.from_settings(Settings.from_env(self.env))
        try:
            yield ctx
        finally:
            ctx.db.dispose()

    def bulletin(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        """Run a `bulletin` command against this server's database."""
        return subprocess.run(
            [str(BIN), *args],
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            check=True,
        )

    def caught_for(self, address: str, subject_part: str) -> CaughtMessage:
        """Wait for the catcher to hold a message to `address` whose subject has `subject_part`."""

        def find() -> CaughtMessage | None:
            for message in caught(self.catcher_dir):
                if address in message.recipients and subject_part in message.subject:
                    return message
            return None

        return wait_for(find, f"mail '{subject_part}' to {address}")


def migrated(url: str) -> None:
    """The database migrated as `bulletin db upgrade` does it (tests/cli runs the command),
    in this process: the same code, without a command's start-up."""
    db = Database(url)
    try:
        migrate.upgrade(db)
    finally:
        db.dispose()


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _answering(process: subprocess.Popen[bytes], base_url: str, log: Path) -> bool:
    """Whether the server answers; a server that has exited fails at once, saying why."""
    if process.poll() is not None:
        said = log.read_text(errors="replace")[-2000:]
        raise AssertionError(f"`bulletin serve` exited ({process.returncode}):\n{said}")
    return _up(base_url + "/")


@contextmanager
def serving(tmp_path: Path, extra_env: Mapping[str, str] | None = None) -> Iterator[Served]:
    """A migrated SQLite database, the built-in catcher, and `bulletin serve` on a free port."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "BULLETIN_DATABASE_URL": f"sqlite:///{tmp_path / 'bulletin.db'}",
        "BULLETIN_DATA_DIR": str(tmp_path / "data"),
        "BULLETIN_BASE_URL": base_url,
        "BULLETIN_CATCHER_PORT": str(free_port()),
        "BULLETIN_INBOUND_PORT": str(free_port()),
        "BULLETIN_SENDER": "Newsroom Alerts <alerts@news.example.com>",
        # No waiting for a person's typing time: these tests must not sleep.
        "BULLETIN_SIGNUP_MIN_FILL_SECONDS": "0",
        "BULLETIN_NEWSROOM_NAME": "The Daily Example",
        **(extra_env or {}),
    }
    env.pop("BULLETIN_SMTP_URL", None)
    tmp_path.mkdir(parents=True, exist_ok=True)
    migrated(env["BULLETIN_DATABASE_URL"])
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [BIN, "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: _answering(process, base_url, log), "the server to answer")
        yield Served(base_url, env, tmp_path / "data" / "catcher", log)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=DEADLINE_S)
