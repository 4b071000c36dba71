"""CPU time and peak memory of other processes, read from /proc (Linux)."""

from __future__ import annotations

import os
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    cpu_s: float
    peak_rss_mb: float
    system_s: float = 0.0  # of cpu_s, in the kernel (on loopback, mostly the TCP stack)
    waiting_s: float = 0.0  # ready to run, but every core was taken by something else


def cpu_times(pid: int) -> tuple[float, float]:
    """(user, system) seconds of CPU the process has used."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rpartition(")")[2].split()
    return int(fields[11]) / _TICKS, int(fields[12]) / _TICKS


def run_delay_s(pid: int) -> float:
    """Seconds the process's threads spent ready to run but waiting for a core.

    From the scheduler's own accounting (/proc/PID/task/*/schedstat, second field). A
    process that is short of work shows idle time; one that is short of CPU shows it here.
    """
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as handle:
                total += int(handle.read().split()[1])
        except (FileNotFoundError, ProcessLookupError):  # a thread that has just ended
            continue
    return total / 1e9


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
        self._start = {pid: cpu_times(pid) for pid in pids}
        self._waited = {pid: run_delay_s(pid) for pid in pids}

    def since_start(self) -> Usage:
        used = [(cpu_times(pid), self._start[pid]) for pid in self.pids]
        user = sum(now[0] - then[0] for now, then in used)
        system = sum(now[1] - then[1] for now, then in used)
        return Usage(
            cpu_s=user + system,
            peak_rss_mb=max(peak_rss_mb(pid) for pid in self.pids),
            system_s=system,
            waiting_s=sum(run_delay_s(pid) - self._waited[pid] for pid in self.pids),
        )


def family_cpu_s(name: str) -> float:
    """CPU seconds of every process called `name` (its `comm`), live or reaped.

    A database server starts a process per connection and reaps it when the connection
    ends: the live ones count their own time, and the parent that reaped the others
    counts theirs as its children's (`cutime`, `cstime`). Taken before and after a run,
    the difference is what the server spent on it, whichever backends came and went.
    """
    total = 0.0
    found: dict[int, tuple[int, list[str]]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                comm, _, rest = handle.read().partition("(")[2].rpartition(")")
        except (FileNotFoundError, ProcessLookupError):
            continue
        if comm == name:
            fields = rest.split()
            found[int(entry)] = (int(fields[1]), fields)
    for parent, fields in found.values():
        total += (int(fields[11]) + int(fields[12])) / _TICKS
        if parent not in found:  # the server's first process: its reaped children too
            total += (int(fields[13]) + int(fields[14])) / _TICKS
    return total
