"""An SMTP sink in its own process for fault tests: records each accepted Message-ID to a file.

Run as `python tests/support/sink_process.py --port P --record FILE [--drop-every N]`.
It prints `ready` once listening and stops on SIGTERM. Every message it accepts adds
one line (its Message-ID) to FILE, written before the 250 reply goes out, so a test
can count what was lost and what was duplicated even if a worker dies mid-send.

With `--drop-every N`, the first time a message for subscriber number ≡ 0 (mod N)
arrives, the sink hangs up after reading its content and before answering: the
client cannot know whether it was accepted (it was not, and is not recorded).

With `--greylist-every N` it answers 451 at RCPT the first time it sees a reader
`r<k>@…` with k ≡ 0 (mod N); with `--refuse-every M`, 550 every time for k ≡ 0 (mod M)
(the fault tests' readers are `r<subscriber id>@readers.example.org`).
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from typing import Any, TextIO

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(rb"^Message-ID: (<[^>\r\n]+>)", re.MULTILINE | re.IGNORECASE)
_SUBSCRIBER = re.compile(r"\.s(\d+)(?:\.k[0-9a-f]+)?@")
_READER = re.compile(r"^r(\d+)@")
GREYLISTED = "451 4.7.1 Greylisted, please try again"
REFUSED = "550 5.1.1 No such user here"


class Recorder:
    def __init__(
        self, out: TextIO, *, drop_every: int = 0, greylist_every: int = 0, refuse_every: int = 0
    ) -> None:
        self.out = out
        self.drop_every = drop_every
        self.greylist_every = greylist_every
        self.refuse_every = refuse_every
        self.dropped: set[str] = set()
        self.greylisted: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        found = _READER.match(address)
        reader = int(found.group(1)) if found else -1
        if self.refuse_every and reader % self.refuse_every == 0:
            return REFUSED
        first_time = address not in self.greylisted
        if self.greylist_every and reader % self.greylist_every == 0 and first_time:
            self.greylisted.add(address)
            return GREYLISTED
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        match = _MESSAGE_ID.search(envelope.original_content)
        message_id = match.group(1).decode() if match else "<none>"
        if self._drop(message_id):
            server.transport.abort()  # no reply: the client cannot tell what became of it
            return "421 4.4.2 connection dropped"
        self.out.write(message_id + "\n")
        self.out.flush()
        return "250 2.0.0 queued"

    def _drop(self, message_id: str) -> bool:
        found = _SUBSCRIBER.search(message_id)
        if not self.drop_every or not found or int(found.group(1)) % self.drop_every:
            return False
        if message_id in self.dropped:
            return False
        self.dropped.add(message_id)
        return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--drop-every", type=int, default=0)
    parser.add_argument("--greylist-every", type=int, default=0)
    parser.add_argument("--refuse-every", type=int, default=0)
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with open(args.record, "a") as out:
        controller = Controller(
            Recorder(
                out,
                drop_every=args.drop_every,
                greylist_every=args.greylist_every,
                refuse_every=args.refuse_every,
            ),
            hostname="127.0.0.1",
            port=args.port,
        )
        controller.start()
        print("ready", flush=True)
        try:
            stop.wait()
        finally:
            controller.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
