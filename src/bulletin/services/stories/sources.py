"""Where `bulletin ingest SOURCE` reads from: a file, a directory, standard input or a URL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bulletin.config import IPNetwork
from bulletin.domain.errors import IngestError
from bulletin.domain.urls import redact_url
from bulletin.ingest.detect import EXTENSIONS
from bulletin.ingest.parse import MAX_DOCUMENT_BYTES
from bulletin.services.stories.fetch import fetch

STDIN = "-"


@dataclass(frozen=True)
class Document:
    """One document to parse, named as errors should name it."""

    source: str
    data: bytes
    name: str = ""
    content_type: str | None = None
    source_id: str | None = None


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def document_paths(source: str) -> list[Path]:
    """The story files a directory holds, in name order: those with a story extension
    (.txt .json .xml .rss .atom .html .htm), hidden ones skipped, so a README or LICENSE
    beside the stories is not taken for one."""
    root = Path(source)
    if not root.is_dir():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in EXTENSIONS and not _hidden(p, root)
    )


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def read_documents(
    source: str,
    *,
    stdin: bytes | None = None,
    allow_networks: Sequence[IPNetwork] = (),
) -> Iterator[Document | IngestError]:
    """Each document of a source; one that cannot be read comes as an IngestError naming
    it, so the rest of a directory is still read. A source that cannot be read at all
    (a URL that fails, a path that does not exist) raises."""
    if source == STDIN:
        yield Document(source="<stdin>", data=stdin or b"")
        return
    if is_url(source):
        fetched = fetch(source, allow_networks=allow_networks)
        shown = redact_url(source)  # the story's source and url fields are kept and shown
        yield Document(
            source=shown, data=fetched.data or b"", name=shown, content_type=fetched.content_type
        )
        return
    if not Path(source).exists():
        raise IngestError(source, "no such file or directory")
    for path in document_paths(source):
        try:
            yield _read_file(path)
        except IngestError as exc:
            yield exc


def _read_file(path: Path) -> Document:
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise IngestError(
                str(path), f"is {size:,} bytes; the limit is {MAX_DOCUMENT_BYTES:,} bytes"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(str(path), f"cannot be read ({exc.strerror})") from None
    return Document(source=str(path), data=data, name=path.name, source_id=path.stem)
