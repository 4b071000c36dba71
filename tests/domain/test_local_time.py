"""Wall-clock times in the newsroom's zone: DST-correct, gaps refused, repeats taken first."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bulletin.domain.errors import InvalidInput
from bulletin.domain.local_time import describe, local_from_text, parse_local

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def test_winter_and_summer_times_use_their_own_offsets() -> None:
    assert local_from_text("2026-12-01 07:30", NEW_YORK) == datetime(
        2026, 12, 1, 12, 30, tzinfo=UTC
    )
    assert local_from_text("2027-07-01 07:30", NEW_YORK) == datetime(2027, 7, 1, 11, 30, tzinfo=UTC)


def test_the_day_the_clocks_go_forward_counts_from_the_new_offset() -> None:
    # 14 March 2027: 02:00 EST becomes 03:00 EDT in New York.
    assert local_from_text("2027-03-14 01:59", NEW_YORK) == datetime(2027, 3, 14, 6, 59, tzinfo=UTC)
    assert local_from_text("2027-03-14 03:00", NEW_YORK) == datetime(2027, 3, 14, 7, 0, tzinfo=UTC)


def test_a_time_inside_the_spring_gap_is_refused_with_the_reason() -> None:
    with pytest.raises(InvalidInput) as refused:
        local_from_text("2027-03-14 02:30", NEW_YORK)
    message = str(refused.value)
    assert "2027-03-14 02:30 does not exist in America/New_York" in message
    assert "go forward an hour" in message


def test_a_repeated_autumn_time_means_its_first_occurrence() -> None:
    # 31 October 2027 in London: 01:30 BST (00:30 UTC) comes first, then 01:30 GMT.
    instant = local_from_text("2027-10-31 01:30", LONDON)
    assert instant == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert describe(instant, LONDON) == "Sun 31 Oct 2027, 01:30 BST"


@pytest.mark.parametrize("text", ["tomorrow 9am", "2026-13-01 07:00", "01/12/2026 07:00", ""])
def test_unreadable_times_say_how_to_write_one(text: str) -> None:
    with pytest.raises(InvalidInput, match="YYYY-MM-DD HH:MM"):
        parse_local(text)


def test_a_t_between_date_and_time_is_accepted() -> None:
    assert parse_local("2026-12-01T07:30") == datetime(2026, 12, 1, 7, 30)
