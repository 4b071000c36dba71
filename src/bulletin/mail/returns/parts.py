"""Reading a returned message's parts defensively: headers, decoded text, field blocks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message

# Returned mail is read by machines we do not control: bound what one message costs.
MAX_PARTS = 200
MAX_TEXT = 512_000  # characters read from any one part
RECIPIENT_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")


def header(message: Message, name: str) -> str:
    """A header's value as text, "" when absent or unreadable."""
    try:
        value = message.get(name)
    except Exception:  # a malformed header must not stop the reading
        return ""
    return str(value or "").strip()


def parts(message: Message) -> Iterator[Message]:
    """Every part, the message itself first, at most MAX_PARTS of them."""
    for count, part in enumerate(message.walk()):
        if count >= MAX_PARTS:
            return
        yield part


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def text_of(part: Message) -> str:
    """A leaf part's decoded text (its charset, else UTF-8), "" for a multipart."""
    if part.is_multipart():
        return ""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw[:MAX_TEXT] if isinstance(raw, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload[: MAX_TEXT * 2].decode(charset, "replace")[:MAX_TEXT]
    except LookupError:  # a charset Python does not know
        return payload[: MAX_TEXT * 2].decode("utf-8", "replace")[:MAX_TEXT]


def headers_text(part: Message) -> str:
    """A part's own header block as text (the quoted original's, a DSN block's fields)."""
    try:
        return "\n".join(f"{name}: {value}" for name, value in part.items())[:MAX_TEXT]
    except Exception:
        return ""


def all_text(message: Message) -> Iterator[str]:
    """Every header block and every leaf part's text, outermost first."""
    for part in parts(message):
        yield headers_text(part)
        yield text_of(part)


def block_text(part: Message) -> str:
    """The text of a message/* part whose body is field blocks (delivery-status, feedback).

    The parser may have read those blocks as messages of their own, or left the text.
    """
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n\n".join(headers_text(block) for block in payload if isinstance(block, Message))
    return text_of(part)


_FIELD = re.compile(r"^([A-Za-z][\w-]*)[ \t]*:[ \t]*(.*)$")


def field_blocks(text: str) -> list[dict[str, str]]:
    """`Name: value` blocks separated by blank lines, folded lines unfolded, names lowercased.

    A field that appears twice in a block keeps its first value.
    """
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, ""
            continue
        if line[0] in " \t" and last:
            current[last] += " " + line.strip()
            continue
        found = _FIELD.match(line)
        if found is None:
            last = ""
            continue
        name = found.group(1).lower()
        if name not in current:
            current[name] = found.group(2).strip()
            last = name
        else:
            last = ""
    if current:
        blocks.append(current)
    return blocks


def address_in(value: str | None) -> str | None:
    """The address in a field value: "rfc822; a@b", "<a@b>", "Name <a@b>" → "a@b"."""
    if not value:
        return None
    value = value.strip()
    if ";" in value and "@" in value.split(";", 1)[1]:
        value = value.split(";", 1)[1]
    found = re.search(r"<([^<>\s]+@[^<>\s]+)>", value)
    if found:
        return found.group(1)
    found = re.search(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+", value)
    return found.group(0).rstrip(".") if found else None
