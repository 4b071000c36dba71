"""Desk pages for stories: the searchable list, one story, editing it, bringing new ones in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bulletin.domain.errors import InvalidInput
from bulletin.services.context import Context
from bulletin.services.stories import desk as story_desk
from bulletin.services.stories import editing
from bulletin.services.stories.desk import StoryFilter
from bulletin.web.deps import ContextDep, EditorDep, FormDep, SenderDep, text
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/stories")

NEEDS_HEADLINE = {"yes": True, "no": False}


@router.get("", response_class=HTMLResponse)
def story_list(
    request: Request,
    ctx: ContextDep,
    editor: EditorDep,
    q: str = "",
    source: str = "",
    section: str = "",
    needs_headline: str = "",
    before: RowId | None = None,
) -> Response:
    where = StoryFilter(
        text=q.strip(),
        source=source,
        section=section,
        needs_headline=NEEDS_HEADLINE.get(needs_headline),
    )
    return _list_page(request, ctx, where=where, before=before)


@router.post("/ingest", response_class=HTMLResponse)
def ingest(request: Request, ctx: ContextDep, editor: SenderDep, form: FormDep) -> Response:
    fmt = text(form, "format")
    try:
        if text(form, "mode") == "url":
            results = story_desk.ingest_url(ctx, text(form, "url"), fmt=fmt, actor=editor)
        else:
            results = story_desk.ingest_text(ctx, text(form, "text"), fmt=fmt, actor=editor)
    except InvalidInput as exc:
        return _list_page(
            request, ctx, where=StoryFilter(), error=str(exc), status_code=422, form=form
        )
    failed = any(r.failure is not None for r in results)
    return _list_page(
        request,
        ctx,
        where=StoryFilter(),
        results=results,
        status_code=422 if failed or not results else 200,
        form=form if failed or not results else None,
    )


@router.get("/{story_id}", response_class=HTMLResponse)
def story(request: Request, story_id: RowId, ctx: ContextDep, editor: EditorDep) -> Response:
    return page(request, "desk/story.html", detail=story_desk.detail(ctx, story_id))


@router.post("/{story_id}/edit", response_class=HTMLResponse)
def edit(
    request: Request, story_id: RowId, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    headline, summary, url = text(form, "headline"), text(form, "summary"), text(form, "url")
    try:
        before = story_desk.detail(ctx, story_id).stored.version
        after = editing.edit_story(
            ctx, story_id, headline=headline, summary=summary, url=url, actor=editor
        ).version
    except InvalidInput as exc:
        return page(
            request,
            "desk/story.html",
            status_code=422,
            detail=story_desk.detail(ctx, story_id),
            error=str(exc),
            draft={"headline": headline, "summary": summary, "url": url},
        )
    outcome = "saved" if after > before else "unchanged"
    return RedirectResponse(f"/desk/stories/{story_id}?{outcome}=1", status_code=303)


def _list_page(
    request: Request,
    ctx: Context,
    *,
    where: StoryFilter,
    before: int | None = None,
    results: object = None,
    error: str | None = None,
    status_code: int = 200,
    form: object = None,
) -> Response:
    sources, sections = story_desk.filter_choices(ctx)
    return page(
        request,
        "desk/stories.html",
        status_code=status_code,
        where=where,
        needs_headline={True: "yes", False: "no", None: ""}[where.needs_headline],
        found=story_desk.search(ctx, where, before=before),
        sources=sources,
        sections=sections,
        formats=story_desk.FORMATS,
        results=results,
        error=error,
        form=form or {},
    )
