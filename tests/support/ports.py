"""Ports for the servers tests start, that no other process of the run can take first.

A port the kernel picks (bind to 0) comes from the ephemeral range, which every outgoing
connection of every test draws its own local port from as well: between our choosing it
and a server binding it, a browser's or a client's connection in another xdist worker can
take it ("address already in use"). So ports come from below that range, from a slice
of it that is this worker's alone, in turn, each checked free before it is handed out.
"""

from __future__ import annotations

import itertools
import os
import socket
from pathlib import Path

FIRST, END = 20000, 32768  # below Linux's default ephemeral range (32768 to 60999)


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return END


def _slice() -> range:
    """This xdist worker's ports (the whole range outside xdist)."""
    end = min(END, _ephemeral_start())
    workers = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    size = (end - FIRST) // workers
    start = FIRST + size * (worker % workers)
    return range(start, start + size)


_turns = itertools.cycle(_slice())


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A loopback port free now and not the choice of any other worker of this run."""
    for port in _turns:
        if _is_free(port):
            return port
    raise AssertionError("unreachable: the cycle never ends")
