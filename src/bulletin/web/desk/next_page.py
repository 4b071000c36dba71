"""Where sign-in returns to: the desk page that was asked for, never another site."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

HOME = "/desk"


def safe_next(value: str | None) -> str:
    """`value` if it is a path on the desk, else the dashboard (no open redirect).

    Refused: absolute and scheme-relative URLs (`//evil.example`), backslashes (which
    browsers read as slashes), control characters, and any path outside /desk.
    """
    if not value or len(value) > 2000 or any(c == "\\" or ord(c) < 0x20 for c in value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/"):
        return HOME
    if parts.path != HOME and not parts.path.startswith(HOME + "/"):
        return HOME
    if parts.path.startswith(("/desk/login", "/desk/logout")):
        return HOME
    return value


def login_url(path: str, query: str) -> str:
    """The sign-in page, carrying the page to come back to."""
    wanted = safe_next(f"{path}?{query}" if query else path)
    return "/desk/login" if wanted == HOME else f"/desk/login?next={quote(wanted, safe='')}"
