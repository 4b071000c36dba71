"""A sending worker asks glibc for one malloc arena: threads that allocate share it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Six threads alive at once, each holding what it allocated; then glibc's own report
# of its arenas (malloc_info's XML has one <heap> element per arena).
PROBE = """
import ctypes, sys, threading
from bulletin.malloc_arena import use_one_arena
print(use_one_arena() if sys.argv[1] == "one" else "-")
held, barrier = [], threading.Barrier(6)
def allocate():
    held.append([bytes(3000 + i) for i in range(300)])
    barrier.wait()
threads = [threading.Thread(target=allocate) for _ in range(6)]
for thread in threads: thread.start()
for thread in threads: thread.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
stream = ctypes.c_void_p(libc.fopen(sys.argv[2].encode(), b"w"))
libc.malloc_info(0, stream)
libc.fclose(stream)
"""


def _arenas(tmp_path: Path, mode: str, env: dict[str, str] | None = None) -> tuple[str, int]:
    report = tmp_path / f"malloc-{mode}.xml"
    environment = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode, str(report)],
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip(), report.read_text().count("<heap nr=")


def test_with_one_arena_threads_share_it_and_without_they_each_get_one(tmp_path: Path) -> None:
    assert _arenas(tmp_path, "one") == ("True", 1)
    assert _arenas(tmp_path, "default")[1] > 1


def test_an_operators_malloc_arena_max_is_left_as_it_is(tmp_path: Path) -> None:
    said, _ = _arenas(tmp_path, "one", {"MALLOC_ARENA_MAX": "4"})
    assert said == "False"
