"""Which parser a document needs (`--format auto`), from its first bytes, name and type."""

from __future__ import annotations

import re

from bulletin.domain.stories import Format

SNIFF_BYTES = 2048
_XML_ROOT = re.compile(rb"<(?:[\w-]+:)?(rss|rdf|feed|html)\b", re.IGNORECASE)


EXTENSIONS = {
    ".json": Format.NINJS, ".rss": Format.RSS, ".atom": Format.ATOM, ".xml": Format.RSS,
    ".html": Format.HTML, ".htm": Format.HTML, ".txt": Format.TEXT,
}  # fmt: skip


def detect_format(data: bytes, *, name: str = "", content_type: str | None = None) -> Format:
    """The format the content shows; its name and Content-Type only break ties."""
    head = data[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return Format.NINJS
    if head.startswith(b"<"):
        match = _XML_ROOT.search(head)
        root = match.group(1).lower() if match else b""
        if root == b"feed":
            return Format.ATOM
        if root in (b"rss", b"rdf"):
            return Format.RSS
        if root == b"html":
            return Format.HTML
        xml_type = "xml" in (content_type or "").lower()
        return Format.RSS if head.startswith(b"<?xml") or xml_type else Format.HTML
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ("application/json", "application/ninjs+json"):
        return Format.NINJS
    if kind == "text/html":
        return Format.HTML
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    return EXTENSIONS.get(suffix, Format.TEXT)
