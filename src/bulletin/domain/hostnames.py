"""What counts as a fully qualified host name, as a relay checks the name we greet it with."""

from __future__ import annotations

import re

MAX_NAME = 253
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE | re.ASCII)


def is_fqdn(name: str) -> bool:
    """Whether `name` is a fully qualified domain name (RFC 1123 host name syntax).

    At least two labels of letters, digits and inner hyphens, each at most 63
    characters, 253 in all, the last not all digits (that would be an IP address),
    and no final dot: what Postfix's `reject_non_fqdn_helo_hostname` accepts. An
    international name is written in its xn-- form.
    """
    if not name or len(name) > MAX_NAME or not name.isascii():
        return False
    labels = name.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return False
    return all(_LABEL.fullmatch(label) for label in labels)
