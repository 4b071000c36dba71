"""The complaint rate against the lines Gmail and Yahoo publish for bulk senders."""

from __future__ import annotations

import pytest

from bulletin.domain.reputation import MIN_COMPLAINTS, ComplaintRate


@pytest.mark.parametrize(
    ("complaints", "delivered", "level"),
    [(0, 0, "none"), (0, 5000, "ok"), (4, 5000, "ok"), (5, 5000, "warn"), (15, 5000, "over")],
)
def test_the_rate_is_judged_against_point_one_and_point_three_percent(
    complaints: int, delivered: int, level: str
) -> None:
    assert ComplaintRate(complaints, delivered).level == level


def test_a_rate_past_the_limit_pauses_only_with_a_thousand_delivered() -> None:
    assert not ComplaintRate(3, 999).pauses
    assert ComplaintRate(3, 1000).pauses
    assert not ComplaintRate(2, 1000).pauses
    assert MIN_COMPLAINTS == 3


def test_the_rate_says_what_it_is_made_of() -> None:
    assert ComplaintRate(7, 2000).describe() == "0.35 % (7 complaints over 2,000 delivered)"
    assert ComplaintRate(1, 0).percent == "—"
