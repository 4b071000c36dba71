"""Scraped article text: site furniture removed, byline, dateline, captions and credits read.

A scrape is a run of lines: site furniture (newsletter boxes, "/ Updated" stubs,
"Source: …" fragments), perhaps a headline, a byline, then the body with photo
captions and their credits run in ("…2017.Omar Sanadiki / Reuters"), and trailing
"X contributed." lines. Each part is recognised by its shape, never by position alone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bulletin.domain.errors import IngestError
from bulletin.domain.stories import Image, Story
from bulletin.ingest.bylines import is_byline, parse_byline, split_names
from bulletin.ingest.datelines import split_dateline
from bulletin.ingest.sanitize import clean_html, paragraphs_to_html, squash

FURNITURE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^breaking news emails?$",
        r"^get breaking news alerts and special reports\b.*$",
        r"^.*\bdelivered weekday mornings\.?$",
        r"^(?:/\s*)?updated\b.{0,60}$",
        r"^/+$",
        r"^source:\s.{0,120}$",
        r"^(?:advertisement|sponsored|subscribe|sign up|share( this)?\b.{0,20}|read more|"
        r"follow us\b.{0,40}|related:?.{0,80}|image|video|listen)$",
    )
]
_CREDIT = (
    r"(?:(?i:photo(?:graph)?|credit|image)s?:\s*)?"
    r"[A-Z][\w.'\u2019\-]*(?:\s+[A-Z][\w.'\u2019\-]*){0,3}\s*/\s*[A-Z][\w.&'\u2019\-]*(?:\s+[A-Z][\w.&'\u2019\-]*){0,3}"
)
_CAPTION_WITH_CREDIT = re.compile(
    rf"^(?P<caption>.+?[.!?”\"')])\s*(?:(?P<credit>{_CREDIT})|\((?P<paren>[^()]*\bPhotos?\b[^()]*)\))$"
)
_CREDIT_ONLY = re.compile(rf"^(?:{_CREDIT}|\([^()]*\bPhotos?\b[^()]*\))$")
_CONTRIBUTED = re.compile(
    r"^(?:additional reporting by\s+(?P<by>.+?)|(?P<names>.+?)\s+contributed"
    r"(?:\s+(?:to\s+)?(?:this\s+)?(?:report|reporting|story|article))?(?:\s+from\s+[^.]+)?)\.?$",
    re.IGNORECASE,
)
MAX_HEADLINE = 200
ZONES = {"ET": "America/New_York", "EST": "America/New_York", "EDT": "America/New_York",
         "CT": "America/Chicago", "CST": "America/Chicago", "CDT": "America/Chicago",
         "MT": "America/Denver", "MST": "America/Denver", "MDT": "America/Denver",
         "PT": "America/Los_Angeles", "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
         "UTC": "UTC", "GMT": "UTC"}  # fmt: skip
_STAMP = re.compile(
    r"(?P<date>[A-Z][a-z]{2,4}\.? \d{1,2}, \d{4})"
    r"(?:\s*[/,]?\s*(?P<time>\d{1,2}:\d{2}\s*[AaPp][Mm]))?"
    r"(?:\s*(?P<zone>[ECMP][SD]?T|UTC|GMT)\b)?"
)
_CREDIT_PREFIX = re.compile(r"^(?:photo(?:graph)?|credit|image)s?:\s*", re.IGNORECASE)
_STAMP_LEFTOVER = re.compile(rf"{_STAMP.pattern}|\bUpdated\b|\bPublished\b")


def parse_text(text: str, *, source: str, source_id: str | None = None) -> Story:
    """The story in one scraped article, or IngestError if it holds no article text."""
    blocks = [b for b in (squash(line) for line in text.splitlines()) if b]
    published, updated = _times(blocks[:8])
    blocks = [b for b in blocks if not any(p.match(b) for p in FURNITURE) and not _is_stamp(b)]
    headline, byline, blocks = _head(blocks)
    blocks, contributors = _tail(blocks)
    paragraphs, images = _figures(blocks)
    if not paragraphs:
        raise IngestError(source, "no article text left after removing site furniture")
    place, agency, lead = split_dateline(paragraphs[0])
    people, agencies = parse_byline(byline)
    if agency and not agencies:
        agencies = tuple(a for a in split_names(agency) if a not in people)
    return Story(
        source=source,
        source_id=source_id,
        headline=headline,
        byline_people=people,
        byline_agencies=agencies,
        dateline=place,
        lead=lead,
        paragraphs=tuple(paragraphs),
        body_html=clean_html(paragraphs_to_html(paragraphs)),
        images=tuple(images),
        contributors=tuple(contributors),
        published_at=published,
        updated_at=updated,
    )


def _is_stamp(block: str) -> bool:
    """A line of nothing but publication times ("Aug. 30, 2017 / 7:36 PM ET / Updated …")."""
    return bool(_STAMP.search(block)) and not _STAMP_LEFTOVER.sub("", block).strip(" /,|")


def _times(blocks: list[str]) -> tuple[datetime | None, datetime | None]:
    """(published, updated) from the first time-stamp line, read in its own time zone."""
    for block in blocks:
        if _is_stamp(block):
            head, _, tail = block.partition("Updated")
            return _stamp(head), _stamp(tail)
    return None, None


def _stamp(text: str) -> datetime | None:
    match = _STAMP.search(text)
    if not match:
        return None
    day = match["date"].replace(".", "").replace("Sept", "Sep")
    clock = (match["time"] or "12:00 AM").replace(" ", "").upper()
    try:
        naive = datetime.strptime(f"{day[:3]} {day.split(' ', 1)[1]} {clock}", "%b %d, %Y %I:%M%p")
    except (ValueError, IndexError):
        return None
    zone = ZONES.get((match["zone"] or "UTC").upper(), "UTC")
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _head(blocks: list[str]) -> tuple[str | None, str | None, list[str]]:
    """(headline, byline, the rest): a headline is only taken when a byline or dateline
    follows it, so a lone first sentence is never promoted to one."""
    for index, block in enumerate(blocks[:4]):
        if is_byline(block):
            before = blocks[:index]
            headline = before[-1] if before and _headline_shaped(before[-1]) else None
            return headline, block, blocks[index + 1 :]
    if len(blocks) > 1 and _headline_shaped(blocks[0]) and split_dateline(blocks[1])[0]:
        return blocks[0], None, blocks[1:]
    return None, None, blocks


def _headline_shaped(block: str) -> bool:
    return len(block) <= MAX_HEADLINE and not block.endswith((".", ",", ";", ":"))


def _tail(blocks: list[str]) -> tuple[list[str], list[str]]:
    """The body without its trailing "X contributed." lines, and the contributors named."""
    contributors: list[str] = []
    while blocks and (match := _CONTRIBUTED.match(blocks[-1])):
        names = split_names(match["by"] or match["names"] or "")
        if not names or len(names) > 8:
            break
        contributors[:0] = [n for n in names if n not in contributors]
        blocks = blocks[:-1]
    return blocks, contributors


def _figures(blocks: list[str]) -> tuple[list[str], list[Image]]:
    """Body paragraphs with photo captions (and their credits) taken out as images."""
    paragraphs: list[str] = []
    images: list[Image] = []
    for block in blocks:
        match = _CAPTION_WITH_CREDIT.match(block)
        if match and paragraphs:
            credit = _CREDIT_PREFIX.sub("", match["credit"] or match["paren"])
            images.append(Image(url=None, caption=match["caption"].strip(), credit=credit))
        elif _CREDIT_ONLY.match(block) and len(paragraphs) > 1:
            caption = paragraphs.pop()
            images.append(Image(url=None, caption=caption, credit=block.strip("()")))
        else:
            paragraphs.append(block)
    return paragraphs, images
