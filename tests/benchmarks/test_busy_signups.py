"""`bulletin bench busy-signups`: a tiny alert with the web mix beside it, every figure there."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bulletin.cli import app


def test_bench_busy_signups_sends_every_alert_and_times_each_kind_of_request() -> None:
    args = ["--subscribers", "200", "--quiet-operations", "9", "--concurrency", "3"]
    result = CliRunner().invoke(app, ["bench", "busy-signups", *args, "--json"])

    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["database"] == "sqlite"
    assert figures["web_alone"]["operations"] >= 9
    assert figures["web_alone"]["errors"] == {"signup": 0, "confirm": 0, "unsubscribe": 0}
    assert figures["send_alone"]["missing"] == 0
    # Everyone but the readers the mix unsubscribed got the first alert.
    assert figures["send_alone"]["messages"] == 200 - figures["web_alone"]["unsubscribes"]
    assert figures["send_with_web"]["messages"] > 0
    assert figures["web_during_send"]["errors"] == {"signup": 0, "confirm": 0, "unsubscribe": 0}
    for kind in ("signup_ms", "confirm_ms", "unsubscribe_ms"):
        assert isinstance(figures["web_during_send"][kind]["p99"], float)
    assert figures["send_rate_kept"] is not None
