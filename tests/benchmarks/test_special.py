"""`bulletin bench special`: a short report for a few readers prints its costs as JSON."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bulletin.cli import app

COSTS = ["render_first_ms", "render_once_ms", "per_reader_skeleton_us", "per_reader_full_build_us"]


def test_bench_special_prints_render_and_per_reader_costs_as_json() -> None:
    result = CliRunner().invoke(
        app, ["bench", "special", "--sections", "2", "--readers", "5", "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) == {*COSTS, "sections", "readers", "message_bytes"}
    for key in COSTS:  # times: numbers, whatever the machine's speed
        assert isinstance(figures[key], int | float), key
    assert figures["message_bytes"] > 0
    assert (figures["sections"], figures["readers"]) == (2, 5)


def test_bench_special_refuses_a_report_with_no_readers() -> None:
    result = CliRunner().invoke(app, ["bench", "special", "--readers", "0"])
    assert result.exit_code == 2
