"""Records written as an operator pastes them into a zone file."""

from __future__ import annotations

TXT_STRING_MAX = 255


def txt_entry(name: str, text: str) -> str:
    """A zone-file line publishing `text` at `name`, in strings of at most 255 characters."""
    chunks = [text[i : i + TXT_STRING_MAX] for i in range(0, len(text), TXT_STRING_MAX)]
    return f"{name.rstrip('.')}. IN TXT " + " ".join(f'"{chunk}"' for chunk in chunks or [""])


def entry(name: str, rdtype: str, value: str) -> str:
    """Any other record: `news.example. IN MX 10 mx.news.example.`"""
    return f"{name.rstrip('.')}. IN {rdtype} {value}"
