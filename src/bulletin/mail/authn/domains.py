"""Organisational domains (RFC 7489 §3.2) from the Public Suffix List bundled with its library.

`publicsuffixlist` ships the list inside the package and is released whenever the
list changes, so upgrading the package updates it; nothing is fetched at run time.
"""

from __future__ import annotations

from functools import lru_cache

from publicsuffixlist import PublicSuffixList


@lru_cache(maxsize=1)
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # parses the bundled file once (a few milliseconds)


def organizational_domain(domain: str) -> str:
    """The registered domain: `news.example.co.uk` → `example.co.uk`.

    A public suffix itself (`co.uk`) is its own organisational domain.
    """
    name = domain.lower().rstrip(".")
    return _suffixes().privatesuffix(name) or name


def aligned(one: str, other: str, *, strict: bool) -> bool:
    """DMARC identifier alignment: the same domain (strict), or the same organisation."""
    a, b = one.lower().rstrip("."), other.lower().rstrip(".")
    if strict:
        return a == b
    return organizational_domain(a) == organizational_domain(b)
