"""`bulletin bench signups`: a small flood through a real serve, every answer counted."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bulletin.cli import app


def test_bench_signups_counts_each_answer_and_every_legitimate_reader_is_confirmed() -> None:
    # No fill-time minimum and no person's pause: the test must not sleep.
    args = ["--requests", "200", "--legitimate", "4", "--person-pause", "0"]
    result = CliRunner().invoke(
        app, ["bench", "signups", *args, "--min-fill-seconds", "0", "--json"]
    )

    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["requests"] == 200
    assert figures["answers_by_phase"]["ip"]["accepted"] == 10  # the default per client
    assert figures["answers_by_phase"]["ip"]["ip"] > 0
    assert figures["answers_by_phase"]["honeypot"] == {"honeypot": 19}  # 10% of 196
    assert figures["target_mailbox"]["confirmations_received"] <= 3  # the default per mailbox
    assert figures["legitimate"] == {
        "signed_up": 4,
        "accepted": 4,
        "confirmed_by_link": 4,
        "stored_and_confirmed": 4,
    }
    assert isinstance(figures["latency_ms"]["p99"], float)
