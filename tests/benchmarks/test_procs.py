"""What the benchmark reads of other processes: CPU used, and time spent waiting for a core."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bulletin.benchmarks.procs import ProcessMeter

SPIN = "import time\nend = time.monotonic() + 5\nwhile time.monotonic() < end: pass\n"


def _spinner(cpu: int) -> subprocess.Popen[bytes]:
    spinner = subprocess.Popen([sys.executable, "-c", SPIN])
    os.sched_setaffinity(spinner.pid, {cpu})
    return spinner


def test_a_process_that_never_sleeps_is_either_running_or_waiting_for_a_core() -> None:
    cpu = min(os.sched_getaffinity(0))
    spinners = [_spinner(cpu), _spinner(cpu)]  # two on one core: each waits about half
    try:
        meter = ProcessMeter([s.pid for s in spinners])
        started = time.monotonic()
        time.sleep(1.0)
        usage = meter.since_start()
        wall = time.monotonic() - started
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    assert usage.waiting_s > 0.3 and usage.cpu_s > 0.3
    # Neither sleeps: between them, running and waiting fill twice the wall time.
    assert 2 * wall * 0.8 < usage.cpu_s + usage.waiting_s < 2 * wall * 1.1
