"""The benchmark's `bulletin worker` processes: started, stopped or killed, and their CPU.

Each worker's engine logs where its CPU went when it stops (`delivery.cpu`); the lines
are kept from its stderr, which is read to the end so a full pipe never stalls it. A
worker killed with SIGKILL logs nothing: its figures are read from /proc just before.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from typing import Any

from bulletin.benchmarks.procs import ProcessMeter, Usage

_CPU_LINE = re.compile(rb"CPU \(s\): (\{[^}]*\})")
PARTS = ("claim", "fill", "smtp", "record", "schedule")


class WorkerProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "bulletin.cli", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.pid = self.popen.pid
        self.cpu: dict[str, float] | None = None
        assert self.popen.stderr is not None
        for line in self.popen.stderr:  # the engine logs once it is ready to send
            if b"sending through" in line:
                break
        self.meter = ProcessMeter([self.pid])
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.usage: Usage | None = None  # once stopped or killed

    def _read(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            if found := _CPU_LINE.search(line):
                self.cpu = json.loads(found.group(1))

    def measure(self) -> Usage:
        self.usage = self.meter.since_start()
        return self.usage

    def kill(self) -> None:
        """SIGKILL, as a lost machine would: what it used is read first."""
        self.measure()
        os.kill(self.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
        self._reader.join(5)


def combined(usages: list[Usage]) -> Usage:
    """The workers' CPU summed, the largest peak memory of any."""
    return Usage(
        cpu_s=sum(u.cpu_s for u in usages),
        peak_rss_mb=max(u.peak_rss_mb for u in usages),
        system_s=sum(u.system_s for u in usages),
        waiting_s=sum(u.waiting_s for u in usages),
    )


def cpu_split_per_1000(workers: list[WorkerProcess], accepted: int) -> dict[str, Any]:
    """The stopped workers' CPU by part, in seconds per 1,000 accepted messages."""
    splits = [w.cpu for w in workers if w.cpu]
    if not splits or not accepted:
        return {}
    return {
        f"cpu_{part}_s_per_1000": round(sum(s.get(part, 0.0) for s in splits) / accepted * 1000, 4)
        for part in PARTS
    }
