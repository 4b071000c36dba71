"""One entry point for every format: bytes in, Stories and ItemFailures out."""

from __future__ import annotations

from charset_normalizer import from_bytes

from bulletin.domain.errors import IngestError
from bulletin.domain.stories import Format, ItemFailure, Story
from bulletin.ingest.detect import detect_format
from bulletin.ingest.feeds import parse_feed
from bulletin.ingest.html import parse_html
from bulletin.ingest.ninjs import parse_ninjs
from bulletin.ingest.text import parse_text

# The largest document (file, feed or page) we parse: 32 MiB is some 30,000 feed
# items; anything bigger is refused whole rather than read into memory.
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024


def parse_document(
    data: bytes,
    *,
    source: str,
    fmt: Format = Format.AUTO,
    name: str = "",
    content_type: str | None = None,
    source_id: str | None = None,
) -> list[Story | ItemFailure]:
    """The items in one document; IngestError when the document as a whole is unusable."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise IngestError(
            source, f"is {len(data):,} bytes; the limit is {MAX_DOCUMENT_BYTES:,} bytes"
        )
    if not data.strip():
        raise IngestError(source, "is empty")
    kind = detect_format(data, name=name, content_type=content_type) if fmt is Format.AUTO else fmt
    if kind in (Format.RSS, Format.ATOM):
        return parse_feed(data, source=source, content_type=content_type)
    if kind is Format.NINJS:
        return parse_ninjs(data, source=source)
    if kind is Format.HTML:
        url = source if source.startswith(("http://", "https://")) else None
        return [parse_html(data, source=source, url=url)]
    return [parse_text(decode_text(data, source=source), source=source, source_id=source_id)]


def decode_text(data: bytes, *, source: str) -> str:
    """Plain text in UTF-8 (with or without BOM), or in whatever encoding it plainly is."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise IngestError(source, "is not text in any encoding we recognise")
    return str(best)
