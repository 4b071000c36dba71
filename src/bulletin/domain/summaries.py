"""Summaries that shorten and never alter: a run of the story's own whole sentences.

A news summary may leave sentences out; it may not change one. So a summary is always
a verbatim run of consecutive sentences of its source (whitespace collapsed), within a
word limit (and, for alerts, a length), and never a sentence cut short: a quotation cut
in the middle, or a closing quotation mark dropped, changes what someone said.

Sentence ends are found with care for what looks like one and is not: abbreviations
(`U.S.`, `Gov.`, `Sen.`, `Jan.`), initials, decimal numbers (`3.5`), and full stops
inside a quotation, which ends only where its closing mark is.
"""

from __future__ import annotations

import re

SUMMARY_WORDS = 60

_CLOSE = '"\u201d\u2019)\\]'
_OPEN = '"\u201c\u2018(\\['
# A sentence end: . ! or ?, any closing marks (kept with the sentence), then space and
# what can start a sentence.
_BOUNDARY = re.compile(rf"[.!?](?P<close>[{_CLOSE}]*)\s+(?=[{_OPEN}]?[A-Z0-9])")
_ABBREVIATIONS = [
    "Mr",
    "Mrs",
    "Ms",
    "Mx",
    "Dr",
    "St",
    "Mt",
    "Ft",
    "Gen",
    "Sen",
    "Rep",
    "Gov",
    "Lt",
    "Col",
    "Sgt",
    "Cpl",
    "Maj",
    "Adm",
    "Capt",
    "Cmdr",
    "Jr",
    "Sr",
    "Rev",
    "Prof",
    "Hon",
    "Pres",
    "Supt",
    "Insp",
    "Det",
    "Inc",
    "Co",
    "Corp",
    "Ltd",
    "Bros",
    "No",
    "Nos",
    "Vol",
    "Fig",
    "Ave",
    "Blvd",
    "Rd",
    "Dept",
    "Univ",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
    "Mon",
    "Tue",
    "Tues",
    "Wed",
    "Thu",
    "Thurs",
    "Fri",
    "Sat",
    "Sun",
    "approx",
    "est",
    "vs",
]
_ABBREVIATION = re.compile(
    rf"(?:\b(?:{'|'.join(_ABBREVIATIONS)})|\b[A-Z]|\b(?:[A-Za-z]\.){{1,}}[A-Za-z])$"
)


def sentences(text: str) -> list[str]:
    """Collapsed `text` split at its sentence ends; joined by spaces they give it back."""
    text = " ".join(text.split())
    parts: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end("close")
        if _ABBREVIATION.search(text[start : match.start()]):
            continue
        if not balanced(text[start:end]):
            continue  # a full stop inside a quotation: the sentence goes on
        parts.append(text[start:end])
        start = match.end()
    if start < len(text):
        parts.append(text[start:])
    return [p for p in parts if p]


def balanced(text: str) -> bool:
    """Whether every quotation opened in `text` is closed in it."""
    if text.count('"') % 2:
        return False
    depth = 0
    for char in text:
        if char == "\u201c":
            depth += 1
        elif char == "\u201d":
            depth -= 1
    return depth <= 0


def summary(text: str, *, words: int = SUMMARY_WORDS, chars: int | None = None) -> str | None:
    """The first run of whole sentences of `text` that fits (from its first sentence that
    fits at all), or None if no sentence of it fits."""
    parts = sentences(text)
    for first in range(len(parts)):
        run = _run(parts[first:], words=words, chars=chars)
        if run:
            return run
    return None


def _run(parts: list[str], *, words: int, chars: int | None) -> str | None:
    kept: list[str] = []
    count = 0
    for part in parts:
        count += len(part.split())
        joined = " ".join([*kept, part])
        if count > words or (chars is not None and len(joined) > chars):
            break
        kept.append(part)
    return " ".join(kept) or None
