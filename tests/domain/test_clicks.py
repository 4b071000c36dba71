"""Specifications for what counts as a reader's click and what is a link scanner's."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

from bulletin.domain.clicks import Click, ScannerRules, Verdict, is_scanner_agent

START = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"
RULES = ScannerRules(window_s=60, burst_links=3, burst_s=2.0)


def click(
    position: int = 0, *, after_s: float = 120, reader: int | None = 7, **kw: object
) -> Click:
    return Click(1, position, reader, START + timedelta(seconds=after_s), **kw)  # type: ignore[arg-type]


def test_a_head_request_is_never_a_reader() -> None:
    assert RULES.first(click(head=True, user_agent=BROWSER), started_at=START) is Verdict.HEAD


def test_a_link_without_a_verified_reader_part_is_not_counted() -> None:
    assert RULES.first(click(reader=None, user_agent=BROWSER), started_at=START) is Verdict.UNSIGNED


def test_a_scanner_agent_in_the_first_seconds_is_set_aside() -> None:
    early = click(after_s=5, user_agent="Mozilla/5.0 (compatible; Barracuda Sentinel)")
    assert RULES.first(early, started_at=START) is Verdict.SCANNER


def test_the_same_agent_after_the_window_is_left_to_the_other_rules() -> None:
    late = click(after_s=61, user_agent="Mozilla/5.0 (compatible; Barracuda Sentinel)")
    assert RULES.first(late, started_at=START) is None


def test_a_browser_in_the_first_seconds_is_a_reader() -> None:
    assert RULES.first(click(after_s=3, user_agent=BROWSER), started_at=START) is None


def test_a_scanner_network_in_the_first_seconds_is_set_aside() -> None:
    rules = ScannerRules(window_s=60, networks=(ipaddress.ip_network("40.94.0.0/16"),))
    inside = click(after_s=4, user_agent=BROWSER, client="40.94.12.9")
    outside = click(after_s=4, user_agent=BROWSER, client="81.2.69.160")
    assert rules.first(inside, started_at=START) is Verdict.SCANNER
    assert rules.first(outside, started_at=START) is None


def test_an_empty_or_scripted_agent_is_a_scanner() -> None:
    assert is_scanner_agent("")
    assert is_scanner_agent("python-requests/2.32")
    assert not is_scanner_agent(BROWSER)


def test_three_links_of_one_message_within_two_seconds_are_a_burst() -> None:
    clicks = [click(0, after_s=100), click(1, after_s=100.4), click(2, after_s=101.1)]
    assert RULES.bursts(clicks) == set(clicks)


def test_the_same_link_clicked_twice_is_not_a_burst() -> None:
    clicks = [click(0, after_s=100), click(0, after_s=100.5), click(1, after_s=101)]
    assert RULES.bursts(clicks) == set()


def test_links_read_one_after_another_are_not_a_burst() -> None:
    clicks = [click(0, after_s=100), click(1, after_s=130), click(2, after_s=190)]
    assert RULES.bursts(clicks) == set()


def test_two_readers_clicking_at_once_are_not_a_burst() -> None:
    clicks = [click(0, reader=1), click(1, reader=2), click(2, reader=3)]
    assert RULES.bursts(clicks) == set()


def test_a_flood_on_one_link_is_no_burst_and_a_flood_on_three_is_all_burst() -> None:
    one = [click(0, after_s=100 + n / 1000) for n in range(5000)]
    three = [click(n % 3, after_s=100 + n / 1000) for n in range(5000)]
    assert RULES.bursts(one) == set()
    assert RULES.bursts(three) == set(three)
