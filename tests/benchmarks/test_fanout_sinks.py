"""`bench fanout` with Postfix's smtp-sink: counted by the sink and the ledger, and a kill."""

from __future__ import annotations

import pytest

from bulletin.benchmarks import postfix
from bulletin.benchmarks.fanout import Options, run

pytestmark = pytest.mark.skipif(
    not postfix.available(), reason=f"{postfix.SMTP_SINK} is missing: `make postfix`"
)


def test_smtp_sink_run_counts_every_reader_once_and_splits_the_engines_cpu() -> None:
    figures = run(Options(subscribers=1_500, sink="smtp-sink", connections=4))

    assert figures["sink"] == "smtp-sink"
    assert (figures["accepted"], figures["ledger_sent"]) == (1_500, 1_500)
    assert (figures["duplicates"], figures["missing"]) == (0, 0)
    assert figures["raw_client"] == "pipelined"
    assert figures["raw_limit_messages_per_s"] > 0
    assert figures["smtp_source_messages_per_s"] > 0
    parts = [figures[f"cpu_{p}_s_per_1000"] for p in ("claim", "fill", "smtp", "record")]
    assert all(part > 0 for part in parts)


def test_a_worker_killed_mid_send_is_replaced_and_its_readers_still_get_the_alert() -> None:
    figures = run(
        Options(subscribers=3_000, sink="smtp-sink", connections=4, raw=False, kill_after=1_000)
    )

    assert figures["killed_at_accepted"] >= 1_000
    assert figures["missing"] == 0
    assert figures["ledger_sent"] == 3_000
    # Only what the dead worker had sent and not yet recorded (its flush group in hand
    # and the replies on the wire) goes twice; a recorded row sent again would exceed it.
    assert figures["unrecorded_at_kill"] <= figures["killed_at_accepted"]
    assert figures["duplicates"] <= figures["unrecorded_at_kill"]
    assert figures["recovery_s"] > 0  # printed, never judged: wall time
