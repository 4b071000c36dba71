"""Bylines split into the people who wrote a story and the agencies it came from."""

from __future__ import annotations

import re

from bulletin.ingest.sanitize import squash

KNOWN_AGENCIES = {
    "ap", "the associated press", "associated press", "reuters", "afp", "agence france-presse",
    "dpa", "deutsche presse-agentur", "bloomberg", "upi", "efe", "ansa", "anp", "ntb", "tt",
    "kyodo", "xinhua", "pa", "pa media", "press association", "aap", "cp", "the canadian press",
    "business wire", "pr newswire", "globe newswire", "ritzau", "stt", "belga", "apa", "sda",
}  # fmt: skip
_AGENCY_WORDS = re.compile(
    r"\b(press|news|newswire|wire|agency|agence|agencia|service|services|media|staff|"
    r"bureau|desk)\b",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"^(?:by|von|av|par|por|door|written by|words by)\s*:?\s+", re.I)
_PARTICLES = {"de", "da", "do", "del", "della", "der", "den", "van", "von", "la", "le", "al", "bin"}
_SEPARATORS = re.compile(r"\s*(?:,|;|\||&|\band\b|\bund\b|\bog\b|\boch\b|\bet\b|\by\b)\s*", re.I)
# "Pentagon correspondent", "senior writer": a job, not a name (lower case on purpose)
_ROLE = re.compile(r"\b(correspondent|reporter|editor|writer|producer|columnist|analyst)s?\b")
MAX_NAME_WORDS = 6


def is_byline(line: str) -> bool:
    """A line that reads as a byline ("By A, B and The Associated Press")."""
    line = squash(line)
    if not _PREFIX.match(line) or len(line) > 200:
        return False
    names = split_names(line)
    return bool(names) and all(looks_like_name(n) for n in names)


def looks_like_name(name: str) -> bool:
    """Capitalised words (particles aside), few enough for a name or an agency."""
    words = name.split()
    return len(words) <= MAX_NAME_WORDS and all(
        w[0].isupper() or w in _PARTICLES or (len(w) > 2 and w[1] in "'\u2019" and w[2].isupper())
        for w in words
    )


def split_names(line: str) -> list[str]:
    """The names in a byline or credit line, prefix ("By", "Von") and separators removed."""
    body = _PREFIX.sub("", squash(line), count=1)
    parts = [p.strip(" .:") for p in _SEPARATORS.split(body)]
    return [p for p in parts if p and any(ch.isalpha() for ch in p) and not _ROLE.search(p)]


def is_agency(name: str) -> bool:
    lowered = name.casefold().strip()
    if lowered in KNOWN_AGENCIES or _AGENCY_WORDS.search(name):
        return True
    letters = name.replace(".", "")
    return 2 <= len(letters) <= 5 and letters.isalpha() and letters.isupper()


def parse_byline(line: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(people, agencies) named in a byline, each in order and without repeats."""
    people: list[str] = []
    agencies: list[str] = []
    for name in split_names(line or ""):
        target = agencies if is_agency(name) else people
        if name not in target:
            target.append(name)
    return tuple(people), tuple(agencies)
