"""Rules for what makes a breaking alert sendable."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from bulletin.domain import summaries
from bulletin.domain.addresses import ensure_header_safe
from bulletin.domain.errors import InvalidAlert
from bulletin.domain.models import AlertDraft, Campaign
from bulletin.domain.stories import PubStatus, Story, is_embargoed

MAX_HEADLINE = 200
MAX_SUMMARY = 600
MAX_URL = 2000
UPDATE_PREFIX = "Update: "


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
    return replace(draft, headline=headline, summary=summary, url=url, subject=subject)


def draft_from_story(story: Story, *, story_id: int | None = None) -> AlertDraft:
    """An alert as a story suggests it: its headline (also the subject), dek or lead, link."""
    # Whole sentences only (`summaries`): an empty summary for the editor to write beats
    # a quotation cut in half.
    summary = next(
        (
            found
            for source in (story.summary, story.lead)
            if (found := summaries.summary(source or "", chars=MAX_SUMMARY))
        ),
        "",
    )
    headline = story.headline or ""
    return AlertDraft(
        headline=headline,
        summary=summary,
        url=story.url or "",
        subject=headline or None,
        story_id=story_id,
    )


def story_problem(story: Story, now: datetime) -> str | None:
    """Why this story may not go to readers in an alert now, or None if it may."""
    if story.pubstatus is not PubStatus.USABLE:
        return f"This story is {story.pubstatus.value}: it may not be sent to readers."
    if is_embargoed(story, now):
        when = story.embargoed_until.strftime("%d %b %H:%M UTC") if story.embargoed_until else ""
        return f"This story is under embargo until {when}."
    return None


def follow_up_draft(parent: Campaign) -> AlertDraft:
    """The starting point of an update to a sent alert: same story, subject 'Update: …'."""
    subject = parent.subject.removeprefix(UPDATE_PREFIX)
    return AlertDraft(
        headline=parent.headline,
        summary=parent.summary,
        url=parent.url,
        subject=(UPDATE_PREFIX + subject)[:MAX_HEADLINE],
        story_id=parent.story_id,
        parent_id=parent.id,
    )


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidAlert("The link must be a full web address starting with https://.")
    if len(url) > MAX_URL or any(ch.isspace() for ch in url):
        raise InvalidAlert("The link must be a single web address without spaces.")
