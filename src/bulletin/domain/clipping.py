"""Gmail's clipping: past about 102 KB of HTML it hides the rest, footer and unsubscribe too."""

from __future__ import annotations

GMAIL_CLIPS_AT = 102 * 1024
WARN_AT = 90 * 1024  # leaves room for the reader's links and the transfer encoding


def clipping_warning(html: str) -> str | None:
    """A sentence for the desk when a message's HTML nears Gmail's limit, else None."""
    size = len(html.encode())
    if size <= WARN_AT:
        return None
    return (
        f"This email's HTML is {size / 1024:.0f} KB: Gmail clips messages past about "
        f"{GMAIL_CLIPS_AT // 1024} KB, hiding the end, the footer and its unsubscribe link. "
        "Shorten it, or split it in two."
    )
