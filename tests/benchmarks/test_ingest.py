"""`bulletin bench ingest`: a tiny feed ingested twice prints its figures as one JSON object."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bulletin.cli import app

RATES = ["parse_stories_per_s", "ingest_stories_per_s", "rerun_unchanged_stories_per_s"]


def test_bench_ingest_prints_rates_and_counts_as_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    result = CliRunner().invoke(
        app, ["bench", "ingest", "--items", "5", "--database-url", url, "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) == {
        *RATES, "items", "feed_bytes", "parsed", "ingest_seconds", "first_run", "rerun",
        "database", "peak_rss_mb",
    }  # fmt: skip
    for key in [*RATES, "ingest_seconds"]:  # times: numbers, whatever the machine's speed
        assert isinstance(figures[key], int | float), key
    assert figures["feed_bytes"] > 0 and figures["peak_rss_mb"] > 0
    assert (figures["items"], figures["parsed"], figures["database"]) == (5, 5, "sqlite")
    assert figures["first_run"] == {"new": 5, "updated": 0, "unchanged": 0, "failed": 0}
    assert figures["rerun"] == {"new": 0, "updated": 0, "unchanged": 5, "failed": 0}
