"""Datelines ("WASHINGTON —", "HENNIKER, N.H. --", "Coralville, IA—") read off a lead."""

from __future__ import annotations

import re

_WORD = r"(?:[A-ZÀ-Þ][\w.'\u2019\-]*|de|da|do|del|la|le|du|von|van|al|el)"
_PART = rf"[A-ZÀ-Þ][\w.'\u2019\-]*(?:[ ]{_WORD}){{0,3}}"
# Wire copy dates its dateline: "WASHINGTON, Aug 30 (Reuters) -"; the date is not the place.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = rf"{_MONTH}[ ]\d{{1,2}}(?:,?[ ]\d{{4}})?"
_DATELINE = re.compile(
    rf"^(?P<place>{_PART}(?:,[ ]*{_PART})?)"
    rf"(?:,[ ]*{_DATE})?"
    r"(?:\s*\((?P<agency>[^()]{1,40})\))?"
    r"(?:\s*(?:—|\u2013|―|--)\s*|\s+[-_]\s+)"
    r"(?P<rest>\S.*)$",
    re.DOTALL,
)
MAX_PLACE = 60


def split_dateline(paragraph: str) -> tuple[str | None, str | None, str]:
    """(place, agency, the paragraph without its dateline); place is None when there is none.

    A place is accepted when it is in capitals ("WASHINGTON") or has a comma
    ("Coralville, IA"), so an ordinary sentence with a dash is never mistaken for one.
    """
    match = _DATELINE.match(paragraph)
    if not match:
        return None, None, paragraph
    place = match["place"].strip()
    city = place.split(",")[0]
    if len(place) > MAX_PLACE or not (city.isupper() or "," in place):
        return None, None, paragraph
    return place, match["agency"], match["rest"].strip()
