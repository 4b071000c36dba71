"""Briefing selection: the stories that matter, one per cluster, summaries from the story itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bulletin.domain.ranking import (
    SUMMARY_WORDS,
    Candidate,
    for_topics,
    score,
    select,
    summarize,
)

NOW = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
LONG_LEAD = (
    "Researchers at the polar station said on Tuesday that the ice shelf, which has been "
    "monitored since 1992, lost more mass this summer than in any year on record. "
    "The team measured the loss with satellites and ground stations across the shelf, "
    "and said the rate had doubled in a decade. "
    "They called for more funding. Another sentence follows here to pass the limit."
)


def story(story_id: int, **fields: object) -> Candidate:
    base = Candidate(
        story_id=story_id,
        cluster_id=story_id,
        headline=f"Headline {story_id}",
        url=f"https://news.example.com/{story_id}",
        published_at=NOW - timedelta(hours=2),
        source=f"source-{story_id}",
        dek=f"Dek of story {story_id}. It has two sentences.",
        section="World",
        urgency=5,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


FIXED = [
    story(
        1,
        section="Politics",
        urgency=2,
        alerted=True,
        source="ap",
        published_at=NOW - timedelta(hours=1),
    ),
    story(2, cluster_id=1, section="Politics", urgency=3, source="reuters"),
    story(3, cluster_id=1, section="Politics", urgency=3, source="afp"),
    story(4, section="Business", urgency=4),
    story(5, section="Politics", urgency=4, published_at=NOW - timedelta(hours=1)),
    story(6, section="Sport", urgency=5, published_at=NOW - timedelta(hours=3)),
    story(7, headline="", urgency=1, needs_headline=True),
    story(8, section="World", urgency=6, published_at=NOW - timedelta(hours=30)),
    story(9, section="Science", urgency=5, dek=None, lead=LONG_LEAD, topics=("science",)),
    story(10, section="Culture", urgency=7, published_at=NOW - timedelta(hours=5)),
    story(11, section="World", urgency=5, url=""),
]


def test_top_stories_in_order_one_per_cluster() -> None:
    chosen = select(FIXED, now=NOW, size=5)
    assert [i.story_id for i in chosen.items] == [1, 4, 9, 6, 5]
    assert [i.story_id for i in chosen.reserve] == [10, 8]


def test_near_duplicates_become_one_item_carried_by_their_best_story() -> None:
    ids = [i.story_id for i in select(FIXED, now=NOW, size=10).items]
    assert ids.count(1) == 1
    assert not {2, 3} & set(ids)


def test_more_sources_lift_a_cluster() -> None:
    alone = select([story(1), story(2, published_at=NOW - timedelta(minutes=119))], now=NOW, size=1)
    assert alone.items[0].story_id == 2  # fresher by a minute
    carried = [
        story(1),
        story(2, published_at=NOW - timedelta(minutes=119)),
        story(3, cluster_id=1),
    ]
    assert select(carried, now=NOW, size=1).items[0].story_id == 1


def test_stories_without_a_headline_or_link_are_never_chosen() -> None:
    ids = {i.story_id for i in select(FIXED, now=NOW, size=20).items}
    assert 7 not in ids and 11 not in ids
    assert ids == {1, 4, 5, 6, 8, 9, 10}


def test_section_diversity_lets_another_section_past_a_second_politics_story() -> None:
    raw = {c.story_id: score(c, now=NOW) for c in FIXED}
    assert raw[5] > raw[4]  # alone, story 5 would come first
    ids = [i.story_id for i in select(FIXED, now=NOW, size=5).items]
    assert ids.index(4) < ids.index(9) < ids.index(6) < ids.index(5)


def test_summaries_are_whole_sentences_of_the_story_within_the_limit() -> None:
    for item in select(FIXED, now=NOW, size=10).items:
        source = next(c for c in FIXED if c.story_id == item.story_id)
        original = " ".join((source.dek or source.lead or "").split())
        assert len(item.summary.split()) <= SUMMARY_WORDS
        assert item.summary in original
    science = next(i for i in select(FIXED, now=NOW, size=10).items if i.story_id == 9)
    assert science.summary.endswith("rate had doubled in a decade. They called for more funding.")
    assert "Another sentence" not in science.summary


def test_a_story_whose_sentences_are_all_too_long_has_no_summary_rather_than_a_cut_one() -> None:
    long = "The council, " + " ".join(f"word{n}," for n in range(80)) + " ended."
    story = replace(FIXED[0], dek=long, lead=long, first_paragraph=None)
    assert summarize(story) is None
    shorter = replace(story, lead=long + " The vote is on Friday.")
    assert summarize(shorter) == "The vote is on Friday."


def test_topic_segment_moves_its_stories_up_and_keeps_pins() -> None:
    chosen = select(FIXED, now=NOW, size=5)
    items = (replace(chosen.items[0], pinned=True), *chosen.items[1:])
    sport = (replace(chosen.reserve[0], topics=("sport",)),)
    segment = for_topics(items, sport, frozenset({"science", "sport"}))
    assert segment[0].story_id == 1  # pinned stays first
    assert segment[1].story_id == 9  # science moves up
    assert 10 in {i.story_id for i in segment}  # a reserve sport story swapped in
    assert len(segment) == len(items)
    assert for_topics(items, sport, frozenset()) == items
