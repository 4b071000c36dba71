"""What the benchmark reads of other processes: CPU used, and time spent waiting for a core."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bulletin.benchmarks.procs import ProcessMeter, family_cpu_s

SPIN = (
    "import time\nprint('spinning', flush=True)\n"
    "end = time.monotonic() + 10\nwhile time.monotonic() < end: pass\n"
)


def _spinner(cpu: int) -> subprocess.Popen[bytes]:
    spinner = subprocess.Popen([sys.executable, "-c", SPIN], stdout=subprocess.PIPE)
    os.sched_setaffinity(spinner.pid, {cpu})
    return spinner


def _spinning(spinner: subprocess.Popen[bytes]) -> None:
    """Wait for the spinner to be past Python's start-up, which reads files (sleeps): on
    a loaded machine that took long enough to break the sum below."""
    assert spinner.stdout is not None and spinner.stdout.readline() == b"spinning\n"


def test_a_process_that_never_sleeps_is_either_running_or_waiting_for_a_core() -> None:
    cpu = min(os.sched_getaffinity(0))
    spinners = [_spinner(cpu), _spinner(cpu)]  # two on one core: each waits about half
    try:
        for spinner in spinners:
            _spinning(spinner)
        meter = ProcessMeter([s.pid for s in spinners])
        started = time.monotonic()
        time.sleep(1.0)
        usage = meter.since_start()
        wall = time.monotonic() - started
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    # Each waits at least while the other runs; on a busy machine it may run little.
    assert usage.waiting_s > 0.3 and usage.cpu_s > 0.05
    # Neither sleeps: between them, running and waiting fill twice the wall time.
    assert 2 * wall * 0.8 < usage.cpu_s + usage.waiting_s < 2 * wall * 1.1


def test_a_familys_cpu_counts_its_live_processes_and_the_children_it_reaped(
    tmp_path: Path,
) -> None:
    """Like a database server: a parent whose short-lived children each spin a little."""
    python = tmp_path / "famtest"  # a name of its own: nothing else on the machine has it
    python.symlink_to(sys.executable)
    script = (
        "import subprocess, sys, time\n"
        "for _ in range(3):\n"
        "    subprocess.run([sys.executable, '-c', 'import time\\n"
        "while time.process_time() < 0.3: pass'])\n"
        "print('done', flush=True)\n"
        "time.sleep(30)\n"
    )
    assert family_cpu_s("famtest") == 0
    parent = subprocess.Popen([str(python), "-c", script], stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline() == b"done\n"
        used = family_cpu_s("famtest")
    finally:
        parent.kill()
        parent.wait()
    assert used >= 0.9  # three children of 0.3 s of CPU each, reaped, and the parent's own
