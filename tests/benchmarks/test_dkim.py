"""The DKIM benchmark's pieces: its key is one Bulletin signs with, and its comparison."""

from __future__ import annotations

from pathlib import Path

from bulletin.benchmarks import dkim as dkim_bench
from bulletin.mail.dkim.keys import read_rsa_key


def test_the_benchmark_key_is_a_key_bulletin_accepts(tmp_path: Path) -> None:
    key_file = dkim_bench.write_key(str(tmp_path))
    key = read_rsa_key(key_file, variable="BULLETIN_DKIM_KEY_FILE")
    assert key.algorithm == "rsa-sha256"
    assert dkim_bench.bare_signature_us(key_file, b"x" * 4000, count=5) > 0


def test_the_ratio_is_the_added_cpu_per_message_over_the_bare_signature() -> None:
    off = {"messages_per_s": 3000.0, "cpu_s_per_1000": 0.30, "missing": 0, "duplicates": 0}
    on = {"messages_per_s": 1400.0, "cpu_s_per_1000": 1.40, "missing": 0, "duplicates": 0}

    compared = dkim_bench.figures(off, on, bare_us=1000.0, two_threads=1.0)

    assert compared["added_cpu_us_per_message"] == 1100.0
    assert compared["ratio_added_to_bare"] == 1.1
    assert compared["off_messages_per_s"] == 3000.0 and compared["on_messages_per_s"] == 1400.0
