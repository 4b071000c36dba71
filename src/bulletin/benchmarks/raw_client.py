"""The raw limit: a minimal client feeding pre-built messages to the sink, nothing else.

No database, no rendering, no tokens: the fastest a sender could possibly go against
this sink on this machine, measured in the same run as the engine so the two figures
compare like with like. Lock-step (four round trips a message) for aiosmtpd, which
offers no PIPELINING; `pipelined` for a sink that offers it (Postfix's smtp-sink): the
envelope in one write, then the message, two round trips, as the engine's client does.
"""

from __future__ import annotations

import asyncio
import time

MESSAGE = (
    b"From: Bench <bench@bench.example.org>\r\nTo: reader@bench.example.org\r\n"
    b"Subject: Raw limit\r\nMessage-ID: <raw@bench.example.org>\r\n\r\n"
    + b"A line of body text for the raw limit benchmark, about as long as a real one.\r\n"
    * 40
)


async def _connection(port: int, todo: list[int], message: bytes, pipelined: bool) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def reply() -> int:
        while True:
            line = await reader.readline()
            if line[3:4] != b"-":
                return int(line[:3])

    await reply()
    writer.write(b"EHLO raw\r\n")
    await reply()
    while todo and pipelined:
        n = todo.pop()
        writer.write(
            b"MAIL FROM:<bounce@bench.example.org>\r\n"
            + f"RCPT TO:<r{n}@bench.example.org>\r\n".encode()
            + b"DATA\r\n"
        )
        for _ in range(3):
            await reply()
        writer.write(message + b".\r\n")
        await reply()
    while todo:
        n = todo.pop()
        writer.write(b"MAIL FROM:<bounce@bench.example.org>\r\n")
        await reply()
        writer.write(f"RCPT TO:<r{n}@bench.example.org>\r\n".encode())
        await reply()
        writer.write(b"DATA\r\n")
        await reply()
        writer.write(message + b".\r\n")
        await reply()
    writer.write(b"QUIT\r\n")
    await reply()
    writer.close()


async def _feed(
    ports: list[int], count: int, connections: int, message: bytes, pipelined: bool
) -> float:
    todo = list(range(count))
    started = time.perf_counter()
    await asyncio.gather(
        *[
            _connection(ports[i % len(ports)], todo, message, pipelined)
            for i in range(connections * len(ports))
        ]
    )
    return time.perf_counter() - started


def messages_per_second(
    ports: list[int],
    count: int,
    *,
    connections: int = 16,
    message: bytes = MESSAGE,
    pipelined: bool = False,
) -> float:
    """Messages/s for `count` copies of `message` over the sinks (dot-stuffed already).

    Pipelined, on uvloop where it is installed, as the engine runs: its CPU a message is
    then the floor for the engine's SMTP share. Lock-step stays on asyncio's own loop,
    as the aiosmtpd figures were always measured.
    """
    feed = _feed(ports, count, connections, message, pipelined)
    if pipelined:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                return count / runner.run(feed)
    elapsed = asyncio.run(feed)
    return count / elapsed
