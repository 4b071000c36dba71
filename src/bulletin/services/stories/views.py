"""Stories and ingest results as the JSON objects `bulletin ingest --json` prints."""

from __future__ import annotations

from typing import Any

from bulletin.domain.stories import StoredStory
from bulletin.services.stories.ingest import ItemResult


def story_json(stored: StoredStory) -> dict[str, Any]:
    """The JSON object `bulletin ingest --json` prints for a story (keys in the README)."""
    story = stored.story
    return {
        "id": stored.id,
        "version": stored.version,
        "headline": story.headline,
        "needs_headline": story.needs_headline,
        "summary": story.summary,
        "byline_people": list(story.byline_people),
        "byline_agencies": list(story.byline_agencies),
        "dateline": story.dateline,
        "lead": story.lead,
        "body_text": story.body_text,
        "body_html": story.body_html,
        "images": [{"url": i.url, "caption": i.caption, "credit": i.credit} for i in story.images],
        "contributors": list(story.contributors),
        "published_at": story.published_at.isoformat() if story.published_at else None,
        "updated_at": story.updated_at.isoformat() if story.updated_at else None,
        "section": story.section,
        "topics": list(story.topics),
        "urgency": story.urgency,
        "pubstatus": str(story.pubstatus),
        "embargoed_until": story.embargoed_until.isoformat() if story.embargoed_until else None,
        "breaking": story.breaking,
        "source": story.source,
        "source_id": story.source_id,
        "url": story.url,
        "cluster_id": stored.cluster_id,
        "content_hash": stored.content_hash,
    }


def result_json(result: ItemResult) -> dict[str, Any]:
    """A line of `--json` output: the story with its outcome, or the failure."""
    if result.failure is not None:
        failure = result.failure
        return {"error": failure.error, "source": failure.source, "item": failure.item}
    assert result.story is not None
    return {"outcome": result.outcome.value, **story_json(result.story)}
