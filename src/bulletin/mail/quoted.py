"""Quoted-printable bodies (RFC 2045 6.7) whose per-reader words are never split.

A signed message must stay 7-bit: a relay without 8BITMIME would otherwise re-encode
it and break the signature. The standard encoder wraps lines at 76 wherever they
reach it, so a reader's link would be cut at a place that depends on its length. This
one soft-breaks only between the words it is told to keep whole, counting each at the
widest it can be filled to, so a campaign's template encodes once for every reader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MAX_LINE = 76  # RFC 2045 6.7 (5), soft line break "=" included
_SAFE = frozenset(range(33, 127)) - {ord("=")}


def encode(text: str, *, whole: Mapping[str, int] | None = None) -> str:
    """`text` quoted-printable, "\\n" line ends; `whole` maps words to their widest filling.

    Like the library's encoder, the body ends with a line break whether or not the text did.
    """
    kept = dict(whole or {})
    pattern = re.compile("|".join(re.escape(w) for w in sorted(kept, key=len, reverse=True)))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    return "".join(_line(line, kept, pattern if kept else None) + "\n" for line in lines)


def _line(line: str, whole: dict[str, int], pattern: re.Pattern[str] | None) -> str:
    out: list[str] = []
    width = 0
    for unit, unit_width in _units(line, whole, pattern):
        if width + unit_width > MAX_LINE - 1:  # room left for the soft break's "="
            out.append("=\n")
            width = 0
        out.append(unit)
        width += unit_width
    return "".join(out)


def _units(
    line: str, whole: dict[str, int], pattern: re.Pattern[str] | None
) -> list[tuple[str, int]]:
    """The line as (encoded piece, width) units a soft break may fall between."""
    units: list[tuple[str, int]] = []
    start = 0
    for match in pattern.finditer(line) if pattern else ():
        units += _encoded(line[start : match.start()], at_end=False)
        units.append((match.group(0), max(whole[match.group(0)], len(match.group(0)))))
        start = match.end()
    units += _encoded(line[start:], at_end=True)
    return units


def _encoded(text: str, *, at_end: bool) -> list[tuple[str, int]]:
    units = []
    for char in text:
        data = char.encode()
        if len(data) == 1 and (data[0] in _SAFE or char in " \t"):
            units.append((char, 1))
        else:
            piece = "".join(f"={byte:02X}" for byte in data)
            units.append((piece, len(piece)))
    # Whitespace ending a line would be lost in transit (RFC 2045 6.7 (3)).
    if at_end and units and units[-1][0] in (" ", "\t"):
        units[-1] = (f"={ord(units[-1][0]):02X}", 3)
    return units
