"""The end of a scraped story: "X contributed." lines, author notes and editors' notes.

Contributor lines are read into names and taken out of the body; a note about a
bylined author ("Ann Lee is a reporter for NBC News.") is furniture and goes; a
correction or editor's note among them stays in the body, where readers see it.
"""

from __future__ import annotations

import re

from bulletin.ingest.bylines import looks_like_name, split_names
from bulletin.ingest.layouts import is_note

_CONTRIBUTED = re.compile(
    r"^(?:(?:with\s+)?(?:additional\s+)?reporting\s+by\s+(?P<by>.+?)(?:;\s*editing\s+by\s+.+?)?"
    r"|(?P<names>.+?)\s+(?:contributed|also\s+contributed)"
    r"(?:\s+(?:to\s+)?(?:this\s+)?(?:report|reporting|story|article))?"
    r"(?:\s+(?:from|in)\s+[^.]+)?)\.?$",
    re.IGNORECASE,
)
# "NBC News' Ann Lee", "NBC's Bo Chen": the name without the newsroom's possessive
_POSSESSIVE = re.compile(r"^(?:[A-Z][\w.&]*\s+){0,3}[A-Z][\w.&]*['\u2019]s?\s+(?=[A-Z])")
_ROLE = r"(?:reporter|correspondent|writer|editor|producer|contributor|columnist|journalist)"
MAX_NAMES = 8


def take_tail(blocks: list[str], *, authors: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The body without its trailing contributor lines and author notes, and the
    contributors named, in the order the page gives them."""
    contributors: list[str] = []
    kept: list[str] = []  # notes found among the trailing lines, in page order
    while blocks:
        last = blocks[-1]
        names = contributor_names(last)
        if names:
            contributors[:0] = [n for n in names if n not in contributors]
        elif is_note(last) and len(blocks) > 1:
            kept.insert(0, last)
        elif not _is_author_note(last, authors):
            break
        blocks = blocks[:-1]
    return blocks + kept, contributors


def contributor_names(block: str) -> list[str]:
    """The people a "X and Y contributed." line names; [] when it is not one."""
    match = _CONTRIBUTED.match(block)
    if match is None:
        return []
    names = [_POSSESSIVE.sub("", n) for n in split_names(match["by"] or match["names"] or "")]
    if not names or len(names) > MAX_NAMES or any(len(n.split()) > 6 for n in names):
        return []
    if not all(looks_like_name(n) for n in names):
        return []
    return names


def _is_author_note(block: str, authors: tuple[str, ...]) -> bool:
    return len(block) <= 300 and any(
        re.match(rf"{re.escape(a)}\s+(?:is|was|covers)\b.*\b{_ROLE}", block) for a in authors
    )
