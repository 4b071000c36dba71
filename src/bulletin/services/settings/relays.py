"""Relay URLs on the desk: shown with their passwords masked, and masked ones kept on save."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from bulletin.domain.errors import InvalidInput

MASK = "••••••"


def masked(urls: str) -> str:
    """The relay URLs one a line, each password replaced by MASK."""
    return "\n".join(_masked(url) for url in urls.split())


def _masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=_netloc(url, MASK)))


def _netloc(url: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.username or ''}:{password}@{host}"


def _identity(url: str) -> tuple[str, str | None, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.username, parts.netloc.rpartition("@")[2]


def unmasked(submitted: str, current: str) -> str:
    """The submitted URLs, each MASK put back as the password the same relay had.

    A relay is the same when its scheme, user, host and port are; a masked password
    with no such relay in `current` cannot be guessed, so it is refused.
    """
    known = {_identity(url): urlsplit(url).password for url in current.split()}
    found = []
    for url in submitted.split():
        parts = urlsplit(url)
        if parts.password == MASK:
            password = known.get(_identity(url))
            if password is None:
                raise InvalidInput(
                    f"Relays: type the password of {_masked(url)} again; "
                    f"{MASK} keeps only the password of a relay already set."
                )
            url = urlunsplit(parts._replace(netloc=_netloc(url, password)))
        found.append(url)
    return " ".join(found)
