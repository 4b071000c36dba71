"""`bulletin bench clicks`: a small load through a real serve, every accepted click counted."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bulletin.cli import app


def test_bench_clicks_counts_every_accepted_browser_click_and_sets_scanners_aside() -> None:
    args = ["--readers", "20", "--requests", "200", "--concurrency", "4", "--json"]
    result = CliRunner().invoke(app, ["bench", "clicks", *args])

    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["answers"] == {"302": 200}
    assert figures["accepted"] == 200
    assert (figures["counted"], figures["set_aside"]) == (180, 20)  # every tenth a scanner
    assert figures["lost"] == 0
    assert figures["seconds_until_written"] is not None
    assert set(figures["latency_ms"]) == {"p50", "p99", "max"}
