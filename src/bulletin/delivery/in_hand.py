"""What a worker holds in memory between the ledger and the relays, and what it counted.

Touched only by the engine's coroutines on its event loop, never from a thread: the
feeder counts in what it claims, the senders turn jobs into outcomes (or into untried
jobs to give back), and the flusher writes both to the ledger and counts them off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bulletin.delivery.outcomes import Job, Outcome


@dataclass
class Stats:
    claimed: int = 0
    sent: int = 0
    temporary: int = 0
    permanent: int = 0


@dataclass
class InHand:
    results: list[Outcome] = field(default_factory=list)  # outcomes not yet recorded
    untried: list[Job] = field(default_factory=list)  # claimed, to give back unsent
    in_flight: int = 0  # claimed and not yet recorded or given back
    stopping: bool = False
