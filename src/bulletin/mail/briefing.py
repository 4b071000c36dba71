"""Rendering a briefing edition's body, once per segment (a reader topic set)."""

from __future__ import annotations

from datetime import date

from bulletin.domain.editions import Edition, topics_of
from bulletin.domain.ranking import Item, for_topics
from bulletin.mail.render import PREFERENCES_URL, UNSUBSCRIBE_URL, Brand, preheader, render_pair

PREHEADER_HEADLINES = 3


def segment_items(edition: Edition, segment: int | None) -> tuple[Item, ...]:
    """The edition as readers of this segment get it: weighted to their topics."""
    return for_topics(edition.items, edition.reserve, topics_of(segment))


def render_briefing(
    edition: Edition,
    segment: int | None,
    *,
    subject: str,
    list_name: str,
    brand: Brand,
    view_url: str | None = None,
    web: bool = False,
) -> tuple[str, str]:
    """(text, HTML) with the per-reader links left as markers for the skeleton to fill;
    the preheader is the first headlines, the kicker the edition's date."""
    items = segment_items(edition, segment)
    return render_pair(
        "briefing",
        brand=brand,
        web=web,
        view_url=view_url,
        subject=subject,
        preheader=preheader(" | ".join(i.headline for i in items[:PREHEADER_HEADLINES])),
        day=long_date(edition.edition_date),
        greeting=edition.greeting,
        sign_off=edition.sign_off,
        items=items,
        list_name=list_name,
        manage_what="topics, time zone, briefing time",
        unsubscribe_url=UNSUBSCRIBE_URL,
        preferences_url=PREFERENCES_URL,
    )


def long_date(day: date) -> str:
    """'Wednesday, November 25, 2026', as the briefing's kicker shows its date."""
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"
