"""Keeping body lines short: wrapped plain text and HTML folded at spaces."""

from __future__ import annotations

import textwrap

TEXT_WIDTH = 76
HTML_WIDTH = 200


def wrap_text(text: str, width: int = TEXT_WIDTH) -> str:
    """Wrap long lines at spaces; words (links) are never broken, so a link stays clickable."""
    lines = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        lines.extend(
            textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]
        )
    return "\n".join(lines)


def fold_html(html: str, width: int = HTML_WIDTH) -> str:
    """Break long HTML lines at a space, where a line break means the same as the space.

    Inlined CSS makes very long lines; in markup and text a newline is whitespace like
    the space it replaces. Our email templates have no <pre> or <textarea>, where it
    would not be.
    """
    out = []
    for line in html.split("\n"):
        while len(line) > width:
            cut = line.rfind(" ", 0, width)
            if cut <= 0:
                cut = line.find(" ", width)
                if cut == -1:
                    break
            out.append(line[:cut])
            line = line[cut + 1 :]
        out.append(line)
    return "\n".join(out)
