"""CPU time and peak memory of other processes, read from /proc (Linux)."""

from __future__ import annotations

import os
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    cpu_s: float
    peak_rss_mb: float


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


class ProcessMeter:
    """CPU used since construction, summed over processes; the largest peak RSS."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self._start = {pid: cpu_seconds(pid) for pid in pids}

    def since_start(self) -> Usage:
        cpu = sum(cpu_seconds(pid) - self._start[pid] for pid in self.pids)
        return Usage(cpu_s=cpu, peak_rss_mb=max(peak_rss_mb(pid) for pid in self.pids))
