"""What a newsroom may dress its emails with: a colour white text reads on, and web links."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_HEX = re.compile(r"#[0-9a-fA-F]{6}")
AA_NORMAL_TEXT = 4.5  # WCAG 2 contrast ratio for body text


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of a `#rrggbb` colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def is_dark_enough(colour: str) -> bool:
    """Whether `colour` is `#rrggbb` and white text on it (buttons, the Update label)
    passes WCAG AA; then so does the colour as link text on white."""
    if not _HEX.fullmatch(colour):
        return False
    return 1.05 / (luminance(colour) + 0.05) >= AA_NORMAL_TEXT


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host and no spaces, quotes or angle brackets."""
    parts = urlsplit(url)
    unsafe = any(c.isspace() or c in "\"'<>" for c in url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not unsafe
