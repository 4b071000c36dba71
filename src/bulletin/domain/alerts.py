"""Rules for what makes a breaking alert sendable."""

from __future__ import annotations

from urllib.parse import urlsplit

from bulletin.domain.addresses import ensure_header_safe
from bulletin.domain.errors import InvalidAlert
from bulletin.domain.models import AlertDraft

MAX_HEADLINE = 200
MAX_SUMMARY = 600
MAX_URL = 2000


def validate_alert(draft: AlertDraft) -> AlertDraft:
    """The draft tidied (whitespace trimmed, subject defaulted), or InvalidAlert saying why."""
    headline = ensure_header_safe(draft.headline.strip(), field="headline")
    subject = ensure_header_safe((draft.subject or "").strip() or headline, field="subject")
    summary = " ".join(draft.summary.split())
    url = draft.url.strip()
    if not headline:
        raise InvalidAlert("An alert needs a headline.")
    if len(headline) > MAX_HEADLINE:
        raise InvalidAlert(f"Keep the headline under {MAX_HEADLINE} characters.")
    if len(subject) > MAX_HEADLINE:
        raise InvalidAlert(f"Keep the subject under {MAX_HEADLINE} characters.")
    if not summary:
        raise InvalidAlert("An alert needs a sentence or two of summary.")
    if len(summary) > MAX_SUMMARY:
        raise InvalidAlert(
            f"Keep the summary to a sentence or two (under {MAX_SUMMARY} characters)."
        )
    _check_url(url)
    return AlertDraft(headline=headline, summary=summary, url=url, subject=subject)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidAlert("The link must be a full web address starting with https://.")
    if len(url) > MAX_URL or any(ch.isspace() for ch in url):
        raise InvalidAlert("The link must be a single web address without spaces.")
