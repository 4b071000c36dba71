"""Sealed values: readable only under the same secret key and purpose, and only while fresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bulletin.services import sealing

KEY = "k" * 40
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_a_sealed_value_opens_with_its_key_and_purpose_only() -> None:
    sealed = sealing.seal(KEY, b"one", "bk_secret")
    assert "bk_secret" not in sealed
    assert sealing.open_sealed(KEY, b"one", sealed) == "bk_secret"
    for key, purpose in ((KEY, b"two"), ("x" * 40, b"one")):
        with pytest.raises(sealing.InvalidToken):
            sealing.open_sealed(key, purpose, sealed)


@pytest.mark.parametrize("mangled", ["", "not base64 ✓", "gAAAAA", "x" * 200])
def test_anything_not_sealed_by_us_is_refused_the_same_way(mangled: str) -> None:
    with pytest.raises(sealing.InvalidToken):
        sealing.open_sealed(KEY, b"one", mangled)


def test_a_sealed_value_expires_on_the_callers_clock() -> None:
    sealed = sealing.seal(KEY, b"one", "v", now=NOW)
    later = NOW + timedelta(seconds=299)
    assert sealing.open_sealed(KEY, b"one", sealed, max_age_s=300, now=later) == "v"
    with pytest.raises(sealing.InvalidToken):
        sealing.open_sealed(KEY, b"one", sealed, max_age_s=300, now=NOW + timedelta(seconds=361))
