"""Site furniture on scraped pages: found wherever it sits, in a line or on its own.

The newsletter box ("Breaking News Emails" and its blurb) and the empty share stamp
("/ Updated", "/  / Updated") are cut out of any line they appear in, and the line is
broken where they were, so the text on either side stays apart (a one-line page is
"date 2017-08-30 Breaking News Emails Get breaking news … mornings. By Ann Lee …").
Other furniture (share buttons, "Advertisement", "Read more") is only ever a whole
line, because those words also occur in sentences.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bulletin.ingest.sanitize import squash

_BOX = re.compile(
    r"(?:breaking\s+news\s+emails?\s*:?"
    r"|get\s+breaking\s+news\s+alerts\s+and\s+special\s+reports\.?"
    r"|the\s+news\s+and\s+stories\s+that\s+matter,?\s+delivered\s+weekday\s+mornings\.?"
    r"|sign\s+up\s+for\s+(?:breaking\s+news\s+emails|the\s+\w+(?:\s+\w+)?\s+newsletter)\.?)"
    r"(?:\s*SUBSCRIBE\b)?",
    re.IGNORECASE,
)
# "/ Updated" with nothing (or only more slashes) before it: the share bar's stamp.
_SHARE_STAMP = re.compile(r"(?:/\s*)+updated\b:?|/\s*updated", re.IGNORECASE)
# At the start of the page or of a line near its top (a headline may come first).
_PAGE_DATE = re.compile(r"^[ \t]*date\s+(\d{4})-(\d{2})-(\d{2})\b[ \t]*", re.I | re.M)
PAGE_DATE_WITHIN = 600
_LINES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^/+$",
        r"^[|·•/\-\u2013— ]+$",
        r"^source:\s.{0,120}$",
        r"^(?:advertisement|sponsored(?: content)?|subscribe(?: now)?|sign up|read more|"
        r"share(?: this)?(?:\s*(?:[-—\u2013:]|story|article|on \w+))*|share this (?:story|article)|"
        r"copy(?: the)? link|link copied|copied|tweet|email|print|save|comments?|"
        r"image|video|listen|watch(?: live)?|live|live blog|live updates|show more|load more|"
        r"see more|more from [\w ]{2,30}|follow (?:us|nbc news)\b.{0,40}|related:?.{0,80}|"
        r"download the [\w ]{2,30} app\b.{0,80}|click here\b.{0,80}|\d+\s*comments?)\.?$",
    )
]


def page_date(text: str) -> tuple[str, datetime | None]:
    """The text without a scraper's leading "date YYYY-MM-DD", and that date (UTC midnight)."""
    match = _PAGE_DATE.search(text, 0, PAGE_DATE_WITHIN)
    if not match:
        return text, None
    try:
        day = datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
    except ValueError:
        day = None
    return text[: match.start()] + text[match.end() :], day


def split_box(line: str) -> list[str]:
    """The pieces of one line left when the newsletter box is cut out of it."""
    return [p for p in (squash(part) for part in _BOX.split(squash(line))) if p]


def split_share_stamps(piece: str) -> list[str]:
    """The pieces left when empty "/ Updated" stamps are cut out (read the times first)."""
    return [p for p in (squash(part) for part in _SHARE_STAMP.split(squash(piece))) if p]


def is_furniture(block: str) -> bool:
    """A whole line that is site furniture and never article text."""
    return any(pattern.match(block) for pattern in _LINES)


def contains_furniture(text: str) -> bool:
    """Whether any newsletter box or share stamp is left in `text` (a body, a headline)."""
    return bool(_BOX.search(text) or _SHARE_STAMP.search(squash(text)))
