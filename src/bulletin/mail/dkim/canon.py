"""DKIM's relaxed canonicalisation (RFC 6376 3.4.2 and 3.4.4) of header fields and bodies.

Both only fold, collapse and trim whitespace; they never touch a run of other
characters. So a template whose slots are later filled with values free of whitespace
and line breaks canonicalises, then fills, to exactly the canonical form of the
filled message: what lets the signer canonicalise a campaign once, not once a reader.
"""

from __future__ import annotations

import re

_WSP_RUN = re.compile(rb"[ \t]+")
_WSP_AT_LINE_END = re.compile(rb"[ \t]+(?=\r\n|\Z)")
_FOLD = re.compile(rb"\r\n(?=[ \t])")


def header_fields(head: bytes) -> list[tuple[bytes, bytes]]:
    """(lower-case name, the whole field as written, CRLF included) of each header field.

    `head` is the header block with its last CRLF (and without the blank line after it).
    """
    fields: list[tuple[bytes, bytes]] = []
    for raw in re.split(rb"\r\n(?![ \t])", head):
        if not raw:
            continue
        name = raw.partition(b":")[0]
        fields.append((name.strip().lower(), raw + b"\r\n"))
    return fields


def relaxed_header(field: bytes) -> bytes:
    """One header field, relaxed: `name:value` with whitespace unfolded and collapsed, CRLF."""
    name, _, value = field.partition(b":")
    value = _WSP_RUN.sub(b" ", _FOLD.sub(b"", value)).strip(b" \t\r\n")
    return name.rstrip(b" \t").lower() + b":" + value + b"\r\n"


def relaxed_body(body: bytes) -> bytes:
    """A body, relaxed: no whitespace at line ends, inner runs one space, no empty lines at
    the end, and one CRLF to close a body that is not empty."""
    body = _WSP_RUN.sub(b" ", _WSP_AT_LINE_END.sub(b"", body))
    while body.endswith(b"\r\n"):
        body = body[:-2]
    return body + b"\r\n" if body else b""
