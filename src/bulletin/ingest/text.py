"""Scraped article text: site furniture removed, head, byline, dateline, captions and credits read.

A scrape is a run of lines, or one long line: site furniture (the newsletter box,
"/ Updated" stamps, share buttons) wherever the page had it, time stamps, perhaps a
headline and dek, a byline (before or after the box), then the body with photo
captions and their credits run in ("…2017.Omar Sanadiki / Reuters"), and trailing
"X contributed." lines. Each part is recognised by its shape, never by position
alone; the jobs are apart: boilerplate.py, stamps.py, layouts.py, figures.py,
contributors.py, bylines.py and datelines.py.
"""

from __future__ import annotations

from bulletin.domain.errors import IngestError
from bulletin.domain.stories import Story
from bulletin.ingest.boilerplate import is_furniture, page_date, split_box, split_share_stamps
from bulletin.ingest.bylines import parse_byline, split_names
from bulletin.ingest.contributors import take_tail
from bulletin.ingest.datelines import split_dateline
from bulletin.ingest.figures import take_figures
from bulletin.ingest.layouts import is_inner_byline, is_note, read_head
from bulletin.ingest.sanitize import clean_html, paragraphs_to_html
from bulletin.ingest.stamps import Times, take_stamps

TIMES_WITHIN = 12  # the page's own stamp is near the top; later ones are a live blog's entries


def parse_text(text: str, *, source: str, source_id: str | None = None) -> Story:
    """The story in one scraped article, or IngestError if it holds no article text."""
    text, day = page_date(text.lstrip())
    blocks, times = _blocks(text)
    head = read_head(blocks)
    people, agencies = parse_byline(head.byline)
    body, inner = _without_inner_bylines(head.body)
    people += tuple(p for p in inner if p not in people)
    body, contributors = take_tail(body, authors=people)
    paragraphs, images = take_figures(body)
    if not paragraphs:
        raise IngestError(source, "no article text left after removing site furniture")
    first = next((i for i, p in enumerate(paragraphs) if not is_note(p)), 0)
    place, agency, lead = split_dateline(paragraphs[first])
    if agency and not agencies:
        agencies = tuple(a for a in split_names(agency) if a not in people)
    return Story(
        source=source,
        source_id=source_id,
        headline=head.headline,
        summary=head.dek,
        byline_people=people,
        byline_agencies=agencies,
        dateline=place,
        lead=lead,
        paragraphs=tuple(paragraphs),
        body_html=clean_html(paragraphs_to_html(paragraphs)),
        images=tuple(images),
        contributors=tuple(contributors),
        published_at=times.published or day,
        updated_at=times.updated,
    )


def _blocks(text: str) -> tuple[list[str], Times]:
    """The text's lines with furniture and stamps cut out, and the page's own times."""
    blocks: list[str] = []
    times = Times()
    for line in text.splitlines():
        for piece in split_box(line):
            piece, found = _stamped(piece)
            for part in split_share_stamps(piece):
                part, more = _stamped(part)
                found = found if found.found else more
                if part and not is_furniture(part):
                    blocks.append(part)
            if found.found and not times.found and len(blocks) <= TIMES_WITHIN:
                times = found
    return blocks, times


def _stamped(piece: str) -> tuple[str, Times]:
    piece, found = take_stamps(piece)
    return piece, found or Times()


def _without_inner_bylines(blocks: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """The body without bylines inside it (a live blog's entries), and the people named."""
    kept: list[str] = []
    people: list[str] = []
    for block in blocks:
        if is_inner_byline(block):
            names, _ = parse_byline(block)
            people.extend(n for n in names if n not in people)
        else:
            kept.append(block)
    return kept, tuple(people)
