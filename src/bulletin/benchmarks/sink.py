"""An SMTP sink in its own process that counts what arrives, by Message-ID.

It is the relay of the benchmark: plain aiosmtpd on asyncio's own loop, as the
calibration in issue 3 measured it. Counts live in shared memory so the benchmark can
watch progress without asking the sink over a socket.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import re
import signal
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the server itself is imported in the sink's process only
    from aiosmtpd.smtp import SMTP, Envelope, Session

# Our Message-IDs: <SALT.bulletin.cC.sS.kTAG@domain> (older ones had no salt, or no tag).
MESSAGE_ID = re.compile(
    rb"Message-ID: <(?:[0-9a-f]+\.)?bulletin\.c(\d+)\.s(\d+)[.@]", re.IGNORECASE
)


@dataclass
class SinkCounters:
    # lock=False: plain ctypes values in shared memory, not Synchronized wrappers.
    accepted: ctypes.c_longlong
    first_at: ctypes.c_double
    last_at: ctypes.c_double
    duplicates: ctypes.c_longlong
    seen: Any  # shared byte array indexed by subscriber id: how often each arrived

    @classmethod
    def create(cls, max_subscriber_id: int) -> SinkCounters:
        return cls(
            accepted=mp.Value("q", 0, lock=False),
            first_at=mp.Value("d", 0.0, lock=False),
            last_at=mp.Value("d", 0.0, lock=False),
            duplicates=mp.Value("q", 0, lock=False),
            seen=mp.Array("B", max_subscriber_id + 1, lock=False),
        )

    def reset(self) -> None:
        self.accepted.value = 0
        self.first_at.value = 0.0
        self.last_at.value = 0.0
        self.duplicates.value = 0
        self.seen[:] = bytes(len(self.seen))

    def missing(self, subscriber_ids: range) -> int:
        seen = bytes(self.seen)
        return sum(1 for sid in subscriber_ids if seen[sid] == 0)


class _Handler:
    def __init__(self, counters: SinkCounters, campaign_id: Any) -> None:
        self.c = counters
        self.campaign_id = campaign_id

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        now = time.time()
        c = self.c
        if c.accepted.value == 0:
            c.first_at.value = now
        c.accepted.value += 1
        c.last_at.value = now
        match = MESSAGE_ID.search(envelope.original_content or b"", 0, 4096)
        if match and not self.campaign_id.value:
            # Not told yet: the first messages of a Send can arrive before Send returns
            # the campaign's id, so the first campaign to arrive is the one counted.
            self.campaign_id.value = int(match.group(1))
        if match and int(match.group(1)) == self.campaign_id.value:
            sid = int(match.group(2))
            if sid < len(c.seen):
                if c.seen[sid]:
                    c.duplicates.value += 1
                c.seen[sid] = min(255, c.seen[sid] + 1)
        return "250 OK queued"


def serve(port: int, counters: SinkCounters, campaign_id: Any, ready: Any) -> None:
    """Process entry point: run the sink until SIGTERM."""
    from aiosmtpd.controller import Controller

    # SIGTERM is waited for, not handled: a handler setting an Event could run again
    # inside Event.set when a second SIGTERM came (multiprocessing sends one at exit to
    # daemonic children) and deadlock on the Event's own lock. Blocked before the
    # server's thread starts, so that thread inherits the mask and never takes it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    controller = Controller(
        _Handler(counters, campaign_id), hostname="127.0.0.1", port=port, data_size_limit=10**7
    )
    controller.start()
    ready.set()
    signal.sigwait({signal.SIGTERM})
    controller.stop()
