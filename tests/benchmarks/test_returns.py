"""`bulletin bench returns`: a small burst through a real serve, taken once even when sent twice."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bulletin.cli import app

RATES = ["reports_per_s", "smtp_reports_per_s", "webhook_reports_per_s", "seconds"]


def test_bench_returns_records_each_return_once_and_prints_its_rates() -> None:
    result = CliRunner().invoke(app, ["bench", "returns", "--reports", "6", "--json"])

    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["reports"] == 6
    assert figures["recorded"] == figures["recorded_after_replay"] == 6  # the replay: nothing
    for key in RATES:  # rates: numbers, whatever the machine's speed
        assert isinstance(figures[key], int | float), key
    assert figures["signups_failed"] == 0


def test_bench_returns_in_the_production_layout_measures_each_process_apart() -> None:
    result = CliRunner().invoke(
        app, ["bench", "returns", "--reports", "6", "--layout", "production", "--json"]
    )

    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["layout"] == "production"
    assert figures["recorded"] == figures["recorded_after_replay"] == 6
    for key in ("server_cpu_s_per_1000", "listener_cpu_ms_per_dsn", "web_cpu_ms_per_request"):
        assert figures[key] > 0, key  # both processes did work, measured from /proc
