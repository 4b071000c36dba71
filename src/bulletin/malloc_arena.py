"""One malloc arena for a sending worker, so what it frees is reused rather than kept.

glibc gives each thread that allocates an arena of its own (up to eight a core), and
keeps what is freed in the arena it came from. A worker's messages are filled in the
claim thread and freed on the event loop's; its database results come and go in
whichever executor thread ran the query: so each arena keeps free chunks the others
cannot reuse. On PostgreSQL that free memory grew through a send (glibc's heap 30 → 43 MB
over 1,000,000 messages, the memory in use flat at 21 to 25 MB) and took the worker past
100 MB; with one arena it stayed at 0.7 to 4 MB free, and the worker at 96 to 98 MB at
1,000,000 (docs/delivery.md, **Memory**). The GIL already serialises the threads: the
worker's CPU per message was the same.
"""

from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8  # from glibc's <malloc.h>


def use_one_arena() -> bool:
    """Ask the C library for a single malloc arena: True if it agreed. A no-op where it is
    not glibc (no `mallopt`), and where the operator chose with MALLOC_ARENA_MAX."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, 1))
