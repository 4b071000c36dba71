"""Searching stories for the desk: a NUL byte matches nothing (SQLite's LIKE would stop at it
and match every story; PostgreSQL would refuse the query)."""

from __future__ import annotations

import pytest

from bulletin.services.context import Context
from bulletin.services.stories import desk
from bulletin.store.stories.search import StoryFilter
from tests.support.alerts import make_story


def test_words_in_a_headline_find_that_story(ctx: Context) -> None:
    wanted = make_story(ctx, headline="Quake shakes the coast")
    make_story(ctx, headline="Budget passes")

    found = desk.search(ctx, StoryFilter(text="quake"))

    assert [row.id for row in found.rows] == [wanted]


@pytest.mark.parametrize(
    "where",
    [
        StoryFilter(text="\x00"),
        StoryFilter(text="Budget\x00"),
        StoryFilter(source="test\x00"),
        StoryFilter(section="\x00"),
    ],
)
def test_a_nul_byte_in_a_search_matches_no_story(ctx: Context, where: StoryFilter) -> None:
    make_story(ctx, headline="Quake shakes the coast")
    make_story(ctx, headline="Budget passes")

    found = desk.search(ctx, where)

    assert found.rows == [] and found.next_before is None
