"""Reading returned mail from where an operator has it: a Maildir, an mbox, one message."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path

from bulletin.domain.errors import InvalidInput


def read_messages(path: str, *, stdin: bytes | None = None) -> Iterator[tuple[str, bytes]]:
    """(where, raw bytes) for each message: `-` is one message (or an mbox) on stdin."""
    if path == "-":
        yield from _from_bytes("<stdin>", stdin or b"")
        return
    source = Path(path)
    if source.is_dir():
        if not (source / "cur").is_dir() or not (source / "new").is_dir():
            raise InvalidInput(f"{path}: a directory, but not a Maildir (no cur/ and new/)")
        box = mailbox.Maildir(source, factory=None, create=False)
        for key in sorted(box.iterkeys()):
            with box.get_file(key) as handle:
                yield f"{path} ({key})", handle.read()
        return
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror})") from None
    yield from _from_bytes(path, data)


def _from_bytes(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    if data.startswith(b"From "):  # an mbox: messages separated by "From " lines
        for number, raw in enumerate(_split_mbox(data), start=1):
            yield f"{name} (message {number})", raw
    elif data.strip():
        yield name, data


def _split_mbox(data: bytes) -> Iterator[bytes]:
    current: list[bytes] = []
    for line in data.splitlines(keepends=True):
        if line.startswith(b"From "):  # the separator before each message
            if current:
                yield _unquote(current)
            current = []
        else:
            current.append(line)
    if current:
        yield _unquote(current)


def _unquote(lines: list[bytes]) -> bytes:
    """mboxrd: '>From ' lines in bodies were quoted on the way in."""
    return b"".join(line[1:] if line.startswith(b">From ") else line for line in lines)
