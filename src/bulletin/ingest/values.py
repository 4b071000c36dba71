"""Small conversions shared by the parsers: times, body assembly, item labels."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bulletin.ingest.datelines import split_dateline
from bulletin.ingest.sanitize import clean_html, html_paragraphs, paragraphs_to_html, squash


def parse_time(value: object) -> datetime | None:
    """A timezone-aware datetime from ISO 8601 text (naive values are taken as UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime."""
    if not value:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def text_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text: blank lines separate them, or single lines when none do."""
    chunks = text.split("\n\n") if "\n\n" in text else text.splitlines()
    return [p for p in (squash(c) for c in chunks) if p]


def body_parts(
    *, html: str | None = None, text: str | None = None
) -> tuple[str, list[str], str | None, str | None, str | None]:
    """(sanitised html, paragraphs, dateline, dateline agency, lead) from an html or text body."""
    if html and html.strip():
        safe = clean_html(html)
        paragraphs = html_paragraphs(safe)
    else:
        paragraphs = text_paragraphs(text or "")
        safe = clean_html(paragraphs_to_html(paragraphs))
    if not paragraphs:
        return safe, [], None, None, None
    place, agency, lead = split_dateline(paragraphs[0])
    return safe, paragraphs, place, agency, lead


def label(index: int, ident: object) -> str:
    """How an error names an item: its position, and its id when it has one."""
    return f"item {index} ({ident})" if ident else f"item {index}"
