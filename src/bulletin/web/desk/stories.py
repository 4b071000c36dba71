"""Desk pages for stories: the searchable list, one story, editing it, bringing new ones in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import HTMLResponse, Response

from bulletin.domain.errors import InvalidInput
from bulletin.domain.stories import Outcome
from bulletin.services.context import Context
from bulletin.services.stories import desk as story_desk
from bulletin.services.stories import editing, ingest_report
from bulletin.services.stories.desk import StoryFilter
from bulletin.services.stories.ingest import ItemResult
from bulletin.web import flash
from bulletin.web.deps import ContextDep, EditorDep, FormDep, SenderDep, text
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/stories")

NEEDS_HEADLINE = {"yes": True, "no": False}
MAX_FAILURES_SHOWN = 3  # flashes live in the session cookie: a feed's 500 failures must not
MAX_TOKEN = 8000  # a report address longer than any batch token is refused unread


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
    """Bring stories in from a URL, pasted text or a file; then the report, by GET.

    Nothing stored (a refused source, a paste that did not parse) answers 422 with the
    form kept, so the editor can put it right; anything stored redirects (303) to the
    batch's report, which a reload shows again without ingesting twice.
    """
    fmt, mode = text(form, "format"), text(form, "mode")
    try:
        if mode == "url":
            results = story_desk.ingest_url(ctx, text(form, "url"), fmt=fmt, actor=editor)
        elif mode == "file":
            data, name = _upload(form)
            results = story_desk.ingest_upload(ctx, data, name=name, fmt=fmt, actor=editor)
        else:
            results = story_desk.ingest_text(ctx, text(form, "text"), fmt=fmt, actor=editor)
    except InvalidInput as exc:
        return _list_page(
            request, ctx, where=StoryFilter(), error=str(exc), status_code=422, form=form
        )
    if not any(r.story is not None for r in results):
        return _list_page(
            request, ctx, where=StoryFilter(), results=results, status_code=422, form=form
        )
    for failure in [r.failure for r in results if r.failure is not None][:MAX_FAILURES_SHOWN]:
        flash.flash(request, f"Not stored: {str(failure)[:300]}", kind="error")
    token = ingest_report.batch_token(ctx, results)
    return flash.redirect(request, f"/desk/stories/ingested/{token}", _counts(results))


@router.get("/ingested/{token}", response_class=HTMLResponse)
def ingested(request: Request, token: str, ctx: ContextDep, editor: EditorDep) -> Response:
    return page(
        request,
        "desk/ingest_report.html",
        report=ingest_report.report(ctx, token[:MAX_TOKEN]),
        fields=ingest_report.FIELDS,
    )


def _upload(form: FormData) -> tuple[bytes, str]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("Choose a file to upload first.")
    return upload.file.read(story_desk.MAX_UPLOAD_BYTES + 1), upload.filename


def _counts(results: list[ItemResult]) -> str:
    counts = {o: sum(1 for r in results if r.outcome is o) for o in Outcome}
    stored = sum(counts[o] for o in (Outcome.NEW, Outcome.UPDATED, Outcome.UNCHANGED))
    parts = [f"{counts[o]} {o.value}" for o in Outcome if counts[o]]
    return f"{stored} {'story' if stored == 1 else 'stories'} in: {', '.join(parts)}."


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
    # A flash, not `?saved=1`: said once, so a reload neither repeats it nor names a
    # version someone else made since.
    if after > before:
        return flash.redirect(request, f"/desk/stories/{story_id}", f"Saved as version {after}.")
    note = "Nothing changed, so no new version was made."
    return flash.redirect(request, f"/desk/stories/{story_id}", note)


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
        formats=story_desk.FORMAT_CHOICES,
        results=results,
        error=error,
        form=form or {},
    )
