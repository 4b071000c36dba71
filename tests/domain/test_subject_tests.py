"""A subject test's terms are checked before anything is sent, and its winner is the
subject with the most unique clickers, or the first one when the race tells nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bulletin.domain import subject_tests as rules
from bulletin.domain.errors import InvalidAlert, UnsafeHeaderValue

HOUR = 3600


def _valid(subjects: list[str], **terms: int) -> rules.SubjectTest:
    given = {"share_percent": 10, "window_minutes": 5, "min_clicks": 10, "expiry_s": 2 * HOUR}
    given.update(terms)
    return rules.validate(subjects, **given)


def test_a_test_keeps_its_subjects_in_order_tidied() -> None:
    test = _valid(["  Dam gates  opened ", "Flood warning downstream", ""])

    assert test.subjects == ("Dam gates opened", "Flood warning downstream")
    assert (test.share_percent, test.window_s, test.min_clicks) == (10, 300, 10)


@pytest.mark.parametrize(
    ("subjects", "says"),
    [
        (["Only one"], "at least two"),
        (["One", "Two", "Three", "Four"], "at most 3"),
        (["Same words", "same  WORDS"], "differ"),
        (["A", "B" * 201], "under 200"),
    ],
)
def test_subjects_that_cannot_race_are_refused(subjects: list[str], says: str) -> None:
    with pytest.raises(InvalidAlert, match=says):
        _valid(subjects)


def test_a_subject_that_would_break_its_header_is_refused() -> None:
    with pytest.raises(UnsafeHeaderValue):
        _valid(["Dam gates opened", "Flood\r\nBcc: everyone@example.com"])


@pytest.mark.parametrize(("share", "ok"), [(1, False), (2, True), (50, True), (51, False)])
def test_the_share_of_readers_is_bounded(share: int, ok: bool) -> None:
    if ok:
        assert _valid(["A", "B"], share_percent=share).share_percent == share
    else:
        with pytest.raises(InvalidAlert, match="share"):
            _valid(["A", "B"], share_percent=share)


@pytest.mark.parametrize(("minutes", "ok"), [(2, False), (3, True), (120, True), (121, False)])
def test_the_window_is_three_minutes_at_least(minutes: int, ok: bool) -> None:
    if ok:
        assert (
            _valid(["A", "B"], window_minutes=minutes, expiry_s=3 * HOUR).window_minutes == minutes
        )
    else:
        with pytest.raises(InvalidAlert, match="minutes"):
            _valid(["A", "B"], window_minutes=minutes, expiry_s=3 * HOUR)


def test_a_test_that_would_outlast_the_alert_is_refused() -> None:
    with pytest.raises(InvalidAlert, match="expires"):
        _valid(["A", "B"], window_minutes=10, expiry_s=10 * 60)
    assert _valid(["A", "B"], window_minutes=9, expiry_s=10 * 60).window_minutes == 9


def test_the_race_ends_after_its_window_but_before_the_alert_expires() -> None:
    start = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)

    assert rules.decide_at(start, 300, start + timedelta(hours=2)) == start + timedelta(minutes=5)
    # An alert whose expiry came closer (its approval waited): the rest still go in time.
    assert rules.decide_at(start, 600, start + timedelta(minutes=6)) == start + timedelta(minutes=5)
    assert rules.decide_at(start, 300, start + timedelta(seconds=30)) == start


def test_the_subject_with_most_unique_clickers_wins() -> None:
    assert rules.decide({0: 11, 1: 30, 2: 12}, 3, min_clicks=10) == rules.Decision(1, rules.WON)


def test_a_tie_goes_to_the_first_subject() -> None:
    assert rules.decide({0: 4, 1: 20, 2: 20}, 3, min_clicks=10) == rules.Decision(0, rules.TIE)


def test_too_few_clicks_go_to_the_first_subject() -> None:
    assert rules.decide({1: 9}, 2, min_clicks=10) == rules.Decision(0, rules.TOO_FEW)
    assert rules.decide({}, 2, min_clicks=1) == rules.Decision(0, rules.TOO_FEW)


def test_the_desk_says_why_a_subject_went_to_the_rest() -> None:
    subjects = ("Dam gates opened", "Flood warning")

    assert "“Flood warning” drew the most" in rules.describe(rules.Decision(1, rules.WON), subjects)
    assert rules.describe(rules.Decision(0, rules.TIE), subjects).startswith("A tie")
    assert "Too few clicks" in rules.describe(rules.Decision(0, rules.TOO_FEW), subjects)
