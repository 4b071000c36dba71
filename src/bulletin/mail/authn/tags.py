"""The tag=value lists that DKIM key records and DMARC records are written in (RFC 6376 §3.2)."""

from __future__ import annotations

import re

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class TagSyntaxError(ValueError):
    """A tag list that cannot be read: a term without '=', a bad name, a tag twice."""


def parse_tags(text: str) -> dict[str, str]:
    """Tags by lowercase name, values with their whitespace removed at the ends."""
    tags: dict[str, str] = {}
    for term in text.split(";"):
        if not term.strip():
            continue  # a trailing ';' is allowed
        name, equals, value = term.partition("=")
        name = name.strip()
        if not equals or not _NAME.match(name):
            raise TagSyntaxError(f"{term.strip()!r} is not a tag=value pair")
        if name.lower() in tags:
            raise TagSyntaxError(f"the tag {name}= appears twice")
        tags[name.lower()] = value.strip()
    return tags
