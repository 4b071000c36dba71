"""What mailbox providers hold against a sender: the complaint rate, and the lines they draw.

Gmail and Yahoo publish the same two lines for bulk senders (February 2024): keep the
spam-complaint rate under 0.1 % of delivered mail, and never reach 0.3 %. Past 0.3 %
a send pauses itself, so an editor looks before the newsroom's reputation suffers;
under 1,000 delivered messages a rate says too little to act on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WARN = 0.001  # 0.1 %: the line to stay under
LIMIT = 0.003  # 0.3 %: never reach it
MIN_DELIVERED = 1_000
MIN_COMPLAINTS = math.ceil(LIMIT * MIN_DELIVERED)  # fewer can never pause a send


@dataclass(frozen=True)
class ComplaintRate:
    complaints: int
    delivered: int

    @property
    def rate(self) -> float | None:
        return self.complaints / self.delivered if self.delivered else None

    @property
    def level(self) -> str:
        """ "ok" under 0.1 %, "warn" from 0.1 %, "over" from 0.3 % (and "none": nothing sent)."""
        rate = self.rate
        if rate is None:
            return "none"
        return "over" if rate >= LIMIT else "warn" if rate >= WARN else "ok"

    @property
    def pauses(self) -> bool:
        """Enough delivered to judge, and at or past the 0.3 % line."""
        return self.delivered >= MIN_DELIVERED and self.level == "over"

    @property
    def percent(self) -> str:
        rate = self.rate
        return "—" if rate is None else f"{rate * 100:.2f} %"

    def describe(self) -> str:
        return (
            f"{self.percent} ({self.complaints:,} complaint{'s' * (self.complaints != 1)}"
            f" over {self.delivered:,} delivered)"
        )


def pause_reason(rate: ComplaintRate) -> str:
    return (
        f"paused automatically: complaint rate {rate.describe()} reached the 0.3 % that"
        " Gmail and Yahoo allow; check the list and the content before resuming"
    )
