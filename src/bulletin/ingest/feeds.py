"""RSS 2.0 and Atom feeds (read by feedparser) turned into Stories, one per entry."""

from __future__ import annotations

import re
from typing import Any

import feedparser

from bulletin.domain.errors import IngestError
from bulletin.domain.stories import Image, ItemFailure, Story
from bulletin.ingest.bylines import parse_byline, split_names
from bulletin.ingest.sanitize import squash, strip_tags
from bulletin.ingest.values import body_parts, from_struct, label

BREAKING_TAGS = {"breaking", "breaking news", "eilmeldung", "urgent"}
BREAKING_PREFIX = "BREAKING:"
_ENTRY_START = re.compile(rb"<(?:[\w-]+:)?(?:item|entry)[\s>/]")


def parse_feed(
    data: bytes, *, source: str, content_type: str | None = None
) -> list[Story | ItemFailure]:
    """Every entry of a feed; a document that is not a feed at all raises IngestError.

    feedparser recovers what it can from a feed that is not well-formed XML; each
    recovered entry is still checked, and a broken one fails on its own with the XML
    error in its message, so one bad entry never costs the good ones.
    """
    headers = {"content-type": content_type} if content_type else {}
    # nh3 sanitises every body below; feedparser's own (slower) pass would be redundant.
    parsed = feedparser.parse(
        data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    problem = _xml_problem(parsed)
    if not parsed.entries and (not parsed.get("version") or problem):
        raise IngestError(source, f"not an RSS or Atom feed ({problem or 'no feed element'})")
    broken = _broken_entry(data, parsed) if problem else None
    return [
        _cut(entry, source=source, index=index, problem=problem)
        if index == broken
        else _entry(entry, source=source, index=index, problem=problem)
        for index, entry in enumerate(parsed.entries, start=1)
    ]


def _cut(entry: Any, *, source: str, index: int, problem: str | None) -> ItemFailure:
    where = label(index, entry.get("id") or entry.get("link"))
    return ItemFailure(source, where, f"is cut short or garbled: the feed is {problem}")


def _broken_entry(data: bytes, parsed: Any) -> int | None:
    """The position of the entry in which the XML broke (its text is not to be trusted).

    Entries before it closed cleanly; the lenient parser reads the ones after it
    correctly. An undefined entity (`&nbsp;` in RSS) breaks nothing and names none.
    """
    exc = parsed.get("bozo_exception")
    if not hasattr(exc, "getLineNumber") or "undefined entity" in exc.getMessage():
        return None
    line, column = exc.getLineNumber(), exc.getColumnNumber()
    lines = data.split(b"\n")
    if not 1 <= line <= len(lines):
        return None
    offset = sum(len(text) + 1 for text in lines[: line - 1]) + column
    return len(_ENTRY_START.findall(data[:offset])) or None


def _xml_problem(parsed: Any) -> str | None:
    exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if exc is None or isinstance(exc, feedparser.CharacterEncodingOverride):
        return None  # a mislabelled encoding that feedparser decoded correctly
    if hasattr(exc, "getLineNumber"):
        where = f"line {exc.getLineNumber()}, column {exc.getColumnNumber()}"
        return f"not well-formed XML at {where}: {exc.getMessage()}"
    return str(exc) or type(exc).__name__


def _entry(entry: Any, *, source: str, index: int, problem: str | None) -> Story | ItemFailure:
    ident = entry.get("id") or entry.get("link")
    title = strip_tags(entry.get("title") or "")
    html, summary = _body(entry)
    safe, paragraphs, place, agency, lead = body_parts(html=html)
    if not title and not paragraphs:
        reason = "has no title and no text"
        return ItemFailure(
            source, label(index, ident), f"{reason} ({problem})" if problem else reason
        )
    tags = [squash(t.get("term")) for t in entry.get("tags") or [] if squash(t.get("term"))]
    breaking = any(t.casefold() in BREAKING_TAGS for t in tags)
    if title.upper().startswith(BREAKING_PREFIX):
        title, breaking = title[len(BREAKING_PREFIX) :].strip(), True
    people, agencies = parse_byline(_authors(entry))
    # dict.get: feedparser's own .get maps a missing updated_parsed to published_parsed
    published = from_struct(dict.get(entry, "published_parsed"))
    updated = from_struct(dict.get(entry, "updated_parsed"))
    if agency and not agencies:
        agencies = tuple(split_names(agency))
    return Story(
        source=source,
        source_id=ident,
        headline=title or None,
        summary=summary,
        byline_people=people,
        byline_agencies=agencies,
        dateline=place,
        lead=lead,
        paragraphs=tuple(paragraphs),
        body_html=safe,
        images=tuple(_images(entry)),
        published_at=published or updated,
        updated_at=updated if updated != published else None,
        section=tags[0] if tags else None,
        topics=tuple(tags),
        breaking=breaking,
        url=entry.get("link"),
        language=(entry.get("language") or None),
    )


def _body(entry: Any) -> tuple[str, str | None]:
    """(body html, summary): the full content when the entry has it, else its description."""
    description = entry.get("summary") or ""
    contents = [c.get("value") or "" for c in entry.get("content") or []]
    full = max(contents, key=len, default="")
    if full.strip():
        summary = strip_tags(description) or None
        return full, summary if summary != strip_tags(full) else None
    return description, None


def _authors(entry: Any) -> str:
    names = [a.get("name") for a in entry.get("authors") or [] if a.get("name")]
    return ", ".join(names) or entry.get("author") or ""


def _images(entry: Any) -> list[Image]:
    # feedparser folds media:description into the entry summary, so no caption here.
    credits = entry.get("media_credit") or []
    credit = squash(credits[0].get("content")) if credits else None
    urls = [m.get("url") for m in entry.get("media_content") or [] if _is_image(m)]
    urls += [m.get("url") for m in entry.get("media_thumbnail") or []]
    urls += [e.get("href") for e in entry.get("enclosures") or [] if _is_image(e)]
    seen = [u for i, u in enumerate(urls) if u and u not in urls[:i]]
    return [Image(url=seen[0], caption=None, credit=credit or None)] if seen else []


def _is_image(media: Any) -> bool:
    kind = media.get("type") or ""
    return kind.startswith("image/") or media.get("medium") == "image"
