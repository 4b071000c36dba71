"""Paths to the test fixture files shipped in tests/fixtures."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED = FIXTURES / "seed" / "000_8940886f16018f12.txt"
NINJS = FIXTURES / "ninjs"
LAYOUTS = FIXTURES / "layouts"
