"""Choosing the morning briefing's stories: score, merge near-duplicates, take the top N.

Each candidate story is scored from signals we actually hold:

- **editor priority**: an editor fired an alert on it (+3), or pinned it in the
  edition (pinned items always lead, in the editor's order);
- **wire urgency**: IPTC 1 (flash) … 9 (lowest), worth up to 3 points; unknown counts as 6;
- **recency**: up to 3 points, halving every 12 hours since publication;
- **sources**: near-duplicate stories share a cluster; a cluster becomes one item (its
  best-scoring story) worth 2 * log2(number of distinct sources) more;
- **section diversity**: picking greedily, every item already taken from a section
  multiplies the next one's score there by 0.75.

Summaries are extractive (`summaries`): a run of whole sentences of the story's own dek
(or lead, or first paragraph) up to 60 words, never a sentence cut short; a story with
no sentence that fits has no summary until an editor writes one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bulletin.domain.summaries import SUMMARY_WORDS, summary

DEFAULT_SIZE = 7
UNKNOWN_URGENCY = 6
HALF_LIFE_HOURS = 12.0
ALERT_BONUS = 3.0
BREAKING_BONUS = 1.0
DIVERSITY = 0.75
TOPIC_BONUS = 2.0
RESERVE = 7  # candidates kept past the top N, so topic segments have stories to swap in


@dataclass(frozen=True)
class Candidate:
    """A stored story as the briefing sees it."""

    story_id: int
    cluster_id: int
    headline: str
    url: str
    published_at: datetime
    source: str = ""
    dek: str | None = None
    lead: str | None = None
    first_paragraph: str | None = None
    section: str | None = None
    topics: tuple[str, ...] = ()
    urgency: int | None = None
    alerted: bool = False
    breaking: bool = False
    needs_headline: bool = False


@dataclass(frozen=True)
class Item:
    """One numbered entry of an edition."""

    story_id: int
    headline: str
    summary: str
    section: str | None
    url: str
    topics: tuple[str, ...] = ()
    pinned: bool = False
    score: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "story_id": self.story_id,
            "headline": self.headline,
            "summary": self.summary,
            "section": self.section,
            "url": self.url,
            "topics": list(self.topics),
            "pinned": self.pinned,
            "score": round(self.score, 3),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Item:
        return cls(
            story_id=int(data["story_id"]),
            headline=str(data["headline"]),
            summary=str(data["summary"]),
            section=data.get("section"),
            url=str(data["url"]),
            topics=tuple(data.get("topics") or ()),
            pinned=bool(data.get("pinned", False)),
            score=float(data.get("score", 0.0)),
        )


@dataclass(frozen=True)
class Selection:
    items: tuple[Item, ...]
    reserve: tuple[Item, ...]  # the next best, for topic segments and editors to add


# Scoring ---------------------------------------------------------------------------------


def score(candidate: Candidate, *, now: datetime) -> float:
    """The story's own score, before clustering and diversity."""
    urgency = candidate.urgency if candidate.urgency is not None else UNKNOWN_URGENCY
    urgency = min(max(urgency, 1), 9)
    age_h = max((now - candidate.published_at).total_seconds() / 3600, 0.0)
    value = (9 - urgency) / 8 * 3 + 3 * 0.5 ** (age_h / HALF_LIFE_HOURS)
    if candidate.alerted:
        value += ALERT_BONUS
    if candidate.breaking:
        value += BREAKING_BONUS
    return value


def select(
    candidates: Iterable[Candidate],
    *,
    now: datetime,
    size: int = DEFAULT_SIZE,
    reserve: int = RESERVE,
) -> Selection:
    """The top `size` items (one per cluster) and the next `reserve` after them."""
    clusters = _merged((c for c in candidates if _eligible(c)), now=now)
    picked = _diverse(clusters, size + reserve)
    items = tuple(_item(c, s) for c, s in picked)
    return Selection(items=items[:size], reserve=items[size:])


def _eligible(candidate: Candidate) -> bool:
    return (
        not candidate.needs_headline
        and bool(candidate.headline.strip())
        and bool(candidate.url)
        and summarize(candidate) is not None
    )


def _merged(candidates: Iterable[Candidate], *, now: datetime) -> list[tuple[Candidate, float]]:
    """One (best story, cluster score) per cluster."""
    by_cluster: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        by_cluster.setdefault(candidate.cluster_id, []).append(candidate)
    return [_cluster_best(members, now=now) for members in by_cluster.values()]


def _cluster_best(members: list[Candidate], *, now: datetime) -> tuple[Candidate, float]:
    scored = [(c, score(c, now=now)) for c in members]
    # Highest score first; among equals the lowest id (the first seen) represents them.
    best, best_score = min(scored, key=lambda cs: (-cs[1], cs[0].story_id))
    sources = len({c.source or f"#{c.story_id}" for c, _ in scored})
    alerted = any(c.alerted for c, _ in scored)
    bonus = 2 * math.log2(sources) + (ALERT_BONUS if alerted and not best.alerted else 0.0)
    return best, best_score + bonus


def _diverse(scored: list[tuple[Candidate, float]], count: int) -> list[tuple[Candidate, float]]:
    """Greedy pick: each pick damps the rest of its section."""
    remaining = sorted(scored, key=lambda cs: (-cs[1], cs[0].story_id))
    taken: list[tuple[Candidate, float]] = []
    per_section: dict[str, int] = {}
    while remaining and len(taken) < count:
        best_index = max(
            range(len(remaining)),
            key=lambda i: (
                _damped(remaining[i], per_section),
                -remaining[i][0].story_id,
            ),
        )
        candidate, value = remaining.pop(best_index)
        taken.append((candidate, _damped((candidate, value), per_section)))
        key = _section_key(candidate.section)
        per_section[key] = per_section.get(key, 0) + 1
    return taken


def _damped(scored: tuple[Candidate, float], per_section: dict[str, int]) -> float:
    candidate, value = scored
    return value * DIVERSITY ** per_section.get(_section_key(candidate.section), 0)


def _section_key(section: str | None) -> str:
    return (section or "").strip().casefold()


def _item(candidate: Candidate, value: float) -> Item:
    summary = summarize(candidate)
    assert summary is not None  # eligible candidates have one
    return Item(
        story_id=candidate.story_id,
        headline=" ".join(candidate.headline.split()),
        summary=summary,
        section=candidate.section,
        url=candidate.url,
        topics=candidate.topics,
        score=value,
    )


# Summaries -------------------------------------------------------------------------------


def summarize(candidate: Candidate, *, limit: int = SUMMARY_WORDS) -> str | None:
    """Whole sentences of the story's own dek, lead or first paragraph, at most `limit`
    words (`summaries.summary`); None if no sentence of any of them fits."""
    for source in (candidate.dek, candidate.lead, candidate.first_paragraph):
        found = summary(source or "", words=limit)
        if found:
            return found
    return None


# Topic segments --------------------------------------------------------------------------


def for_topics(
    items: Sequence[Item], reserve: Sequence[Item], topics: frozenset[str]
) -> tuple[Item, ...]:
    """The edition weighted to a reader's topics: same length, pins kept in place.

    Items on the reader's topics move up (a stable re-sort of the unpinned ones by score
    plus a bonus), and reserve items on their topics may replace the weakest unpinned
    items that are not. Readers with no topics get the edition as curated.
    """
    if not topics:
        return tuple(items)
    pinned = [i for i in items if i.pinned]
    free = [i for i in items if not i.pinned]
    extra = [r for r in reserve if topics.intersection(r.topics)]
    pool = free + extra

    def weight(item: Item) -> float:
        return item.score + (TOPIC_BONUS if topics.intersection(item.topics) else 0.0)

    order = {item.story_id: n for n, item in enumerate(pool)}
    ranked = sorted(pool, key=lambda i: (-weight(i), order[i.story_id]))
    return tuple(pinned + ranked[: len(free)])
