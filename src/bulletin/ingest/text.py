"""Scraped article text: site furniture removed, byline, dateline, captions and credits read.

A scrape is a run of lines: site furniture (newsletter boxes, "/ Updated" stubs,
"Source: …" fragments), perhaps a headline, a byline, then the body with photo
captions and their credits run in ("…2017.Omar Sanadiki / Reuters"), and trailing
"X contributed." lines. Each part is recognised by its shape, never by position alone.
"""

from __future__ import annotations

import re

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
    r"(?:(?:photo(?:graph)?|credit|image)s?:\s*)?"
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


def parse_text(text: str, *, source: str, source_id: str | None = None) -> Story:
    """The story in one scraped article, or IngestError if it holds no article text."""
    blocks = [b for b in (squash(line) for line in text.splitlines()) if b]
    blocks = [b for b in blocks if not any(p.match(b) for p in FURNITURE)]
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
    )


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
            credit = match["credit"] or match["paren"]
            images.append(Image(url=None, caption=match["caption"].strip(), credit=credit))
        elif _CREDIT_ONLY.match(block) and len(paragraphs) > 1:
            caption = paragraphs.pop()
            images.append(Image(url=None, caption=caption, credit=block.strip("()")))
        else:
            paragraphs.append(block)
    return paragraphs, images
