"""Postfix's smtp-sink as the benchmark's relay, and its smtp-source as a raw limit.

smtp-sink (C, with PIPELINING) throws mail away at a fraction of aiosmtpd's CPU a
message, so the engine, not the sink, sets the pace. It cannot tell one reader's
message from another's: it counts messages (`-c` writes running counters to its
stdout, read here in a thread), and duplicates and missing readers come from the
ledger against that count. smtp-source is Postfix's own client, lock-step, the same
number of sessions as the engine's connections, each kept open (`-d`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import IO

SMTP_SINK = "/usr/sbin/smtp-sink"
SMTP_SOURCE = "/usr/sbin/smtp-source"
_MESSAGES = re.compile(rb"mesg=(\d+)")


def available() -> bool:
    return os.access(SMTP_SINK, os.X_OK)


@dataclass
class Count:
    """A value read like the shared counters of the aiosmtpd sink (`.value`)."""

    value: float = 0


@dataclass
class PostfixCounters:
    """What the sink said so far: messages since the last `reset`, first and last times."""

    accepted: Count = field(default_factory=Count)
    first_at: Count = field(default_factory=Count)
    last_at: Count = field(default_factory=Count)
    seen: None = None  # no Message-IDs: the ledger counts readers
    _total: int = 0
    _offset: int = 0

    def reset(self) -> None:
        """Count from here, once the counts of what went before stopped coming in."""
        quiet_since, last, deadline = time.monotonic(), self._total, time.monotonic() + 10
        while time.monotonic() - quiet_since < 0.3 and time.monotonic() < deadline:
            time.sleep(0.02)
            if self._total != last:
                quiet_since, last = time.monotonic(), self._total
        self._offset = self._total
        self.accepted.value, self.first_at.value, self.last_at.value = 0, 0.0, 0.0

    def heard(self, total: int, at: float) -> None:
        if total == self._total:
            return
        self._total = total
        if self.accepted.value == 0:
            self.first_at.value = at
        self.accepted.value = total - self._offset
        self.last_at.value = at


def start_sink(port: int) -> tuple[subprocess.Popen[bytes], PostfixCounters]:
    """smtp-sink on loopback `port`, and the counters a thread keeps from what it says."""
    user = ["-u", "nobody"] if os.geteuid() == 0 else []  # it refuses to run as root
    process = subprocess.Popen(
        [SMTP_SINK, "-c", *user, f"127.0.0.1:{port}", "512"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    counters = PostfixCounters()
    assert process.stdout is not None
    threading.Thread(target=_read, args=(process.stdout, counters), daemon=True).start()
    return process, counters


def _read(stream: IO[bytes], counters: PostfixCounters) -> None:
    """Each record ends in a carriage return: the last whole one holds the count."""
    partial = b""
    while chunk := stream.read1(65536):  # type: ignore[attr-defined]
        at = time.time()
        *whole, partial = (partial + chunk).split(b"\r")
        for record in reversed(whole):
            if found := _MESSAGES.search(record):
                counters.heard(int(found.group(1)), at)
                break


def smtp_source_rate(port: int, count: int, *, sessions: int, size: int) -> float | None:
    """Messages/s smtp-source got through the sink, or None where it is not installed."""
    if shutil.which(SMTP_SOURCE) is None:
        return None
    started = time.perf_counter()
    subprocess.run(
        [
            SMTP_SOURCE,
            "-d",
            "-s",
            str(sessions),
            "-m",
            str(count),
            "-l",
            str(size),
            f"127.0.0.1:{port}",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return count / (time.perf_counter() - started)
