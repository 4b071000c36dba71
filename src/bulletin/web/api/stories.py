"""/api/v1/stories: write a story, bring stories in from a URL or a document, read them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from bulletin.domain.errors import InvalidInput
from bulletin.services.stories import desk as story_desk
from bulletin.services.stories import ingest as stories
from bulletin.services.stories import writing as story_writing
from bulletin.services.stories.desk import StoryFilter
from bulletin.services.stories.views import result_json, story_json
from bulletin.web.api.auth import KeyDep, SenderKeyDep, as_editor
from bulletin.web.api.schemas import StoryCreate, StoryIngest, StoryListItem, StoryPage
from bulletin.web.deps import ContextDep
from bulletin.web.ids import RowId

router = APIRouter(prefix="/stories", tags=["stories"])


@router.get("", response_model=StoryPage)
def list_stories(
    ctx: ContextDep,
    key: KeyDep,
    q: Annotated[str, Query(description="Words in the headline or text.")] = "",
    source: str = "",
    section: str = "",
    needs_headline: bool | None = None,
    before: Annotated[
        RowId | None, Query(description="`next_before` of the previous page.")
    ] = None,
) -> StoryPage:
    """Newest first, a page at a time."""
    where = StoryFilter(text=q, source=source, section=section, needs_headline=needs_headline)
    found = story_desk.search(ctx, where, before=before)
    items = [StoryListItem(**vars(row)) for row in found.rows]
    return StoryPage(items=items, next_before=found.next_before)


@router.get("/{story_id}")
def get_story(story_id: RowId, ctx: ContextDep, key: KeyDep) -> dict[str, Any]:
    """The story as `bulletin ingest --json` prints it, with its cluster and versions."""
    found = story_desk.detail(ctx, story_id)
    return {
        **story_json(found.stored),
        "cluster": [row.id for row in found.siblings],
        "versions": len(found.versions),
    }


@router.post(
    "",
    status_code=201,
    responses={
        201: {"description": "A new story."},
        200: {"description": "The same `source_id` or link again: the story updated."},
    },
)
def write_story(body: StoryCreate, ctx: ContextDep, key: SenderKeyDep) -> JSONResponse:
    """Store a story written by the newsroom (plain text; paragraphs between blank lines).

    The same `source_id` (or link) again updates it, keeping the old version; 200 then."""
    written = story_writing.WrittenStory(
        headline=body.headline,
        body=body.body,
        summary=body.summary,
        url=body.url,
        section=body.section,
        topics=tuple(body.topics),
        byline=tuple(body.byline),
        urgency=body.urgency,
        source_id=body.source_id,
    )
    result = story_writing.write(ctx, written, actor=as_editor(key))
    status = 201 if result.outcome.value == "new" else 200
    return JSONResponse(result_json(result), status_code=status)


@router.post("/ingest")
def ingest(body: StoryIngest, ctx: ContextDep, key: SenderKeyDep) -> dict[str, Any]:
    """Every item of a feed, a ninjs document, an article page or scraped text.

    Give `url` (fetched by Bulletin) or `content` (the document itself). Items that fail
    are listed with the reason and nothing of them is stored; the others still are."""
    if (body.url is None) == (body.content is None):
        raise InvalidInput("Give either `url` or `content`, not both and not neither.")
    editor = as_editor(key)
    if body.url is not None:
        results = story_desk.ingest_url(ctx, body.url, fmt=body.format, actor=editor)
    else:
        results = story_desk.ingest_text(ctx, body.content or "", fmt=body.format, actor=editor)
    summary = stories.Summary()
    for result in results:
        summary.add(result)
    return {"items": [result_json(r) for r in results], **summary.as_dict()}
