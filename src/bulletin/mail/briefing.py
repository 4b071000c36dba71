"""Rendering a briefing edition's body, once per segment (a reader topic set)."""

from __future__ import annotations

from bulletin.domain.editions import Edition, topics_of
from bulletin.domain.ranking import Item, for_topics
from bulletin.mail.render import PREFERENCES_URL, UNSUBSCRIBE_URL, render_pair


def segment_items(edition: Edition, segment: int | None) -> tuple[Item, ...]:
    """The edition as readers of this segment get it: weighted to their topics."""
    return for_topics(edition.items, edition.reserve, topics_of(segment))


def render_briefing(
    edition: Edition,
    segment: int | None,
    *,
    subject: str,
    list_name: str,
    newsroom: str,
    postal_address: str | None,
) -> tuple[str, str]:
    """(text, HTML) with the per-reader links left as markers for the skeleton to fill;
    the footer signs with `newsroom` and `postal_address` (name alone without one)."""
    return render_pair(
        "briefing",
        subject=subject,
        masthead=list_name,
        greeting=edition.greeting,
        sign_off=edition.sign_off,
        items=segment_items(edition, segment),
        list_name=list_name,
        newsroom=newsroom,
        postal_address=postal_address,
        unsubscribe_url=UNSUBSCRIBE_URL,
        preferences_url=PREFERENCES_URL,
    )
