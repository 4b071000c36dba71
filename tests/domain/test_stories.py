"""Story rules: what may become an alert, identity across sources, content hashing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bulletin.domain.stories import PubStatus, Story, alert_reason, clamp_urgency

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _story(**fields: object) -> Story:
    base: dict[str, object] = {"source": "wire", "headline": "Quake", "paragraphs": ("Text.",)}
    return Story(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"urgency": 1}, "flash"),
        ({"urgency": 2}, "bulletin"),
        ({"urgency": 3}, None),
        ({"breaking": True}, "breaking"),
        ({"urgency": 1, "headline": None}, None),
        ({"urgency": 1, "pubstatus": PubStatus.WITHHELD}, None),
        ({"urgency": 1, "pubstatus": PubStatus.CANCELED}, None),
        ({"urgency": 1, "embargoed_until": NOW + timedelta(minutes=1)}, None),
        ({"urgency": 1, "embargoed_until": NOW}, "flash"),
    ],
)
def test_alert_reason(fields: dict[str, object], reason: str | None) -> None:
    assert alert_reason(_story(**fields), NOW) == reason


def test_a_blank_headline_needs_one() -> None:
    assert _story(headline="  ").needs_headline is True
    assert _story().needs_headline is False


def test_identity_is_global_for_uris_and_per_source_for_bare_ids() -> None:
    assert _story(source_id="urn:newsml:x").identity == "urn:newsml:x"
    assert _story(source="feed-a", source_id="123").identity == "feed-a#123"
    assert _story(source_id=None).identity is None


def test_content_hash_ignores_where_it_came_from_but_not_what_it_says() -> None:
    one = _story(source="a.json", source_id="urn:1")
    assert one.content_hash() == _story(source="b.json", source_id="urn:2").content_hash()
    assert one.content_hash() != _story(source="a.json", headline="Quake!").content_hash()


URGENCIES = [(1, 1), ("9", 9), (0, None), (10, None), ("x", None), (None, None), (2.0, None)]


@pytest.mark.parametrize(("value", "expected"), URGENCIES)
def test_clamp_urgency(value: object, expected: int | None) -> None:
    assert clamp_urgency(value) == expected
