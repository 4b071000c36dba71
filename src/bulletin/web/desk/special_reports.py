"""Desk pages for special reports: list, write, preview (desktop, phone, text), test, send."""

from __future__ import annotations

from itertools import zip_longest

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from bulletin.domain.clipping import clipping_warning
from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import Editor
from bulletin.domain.reports import Picture, ReportContent, Section
from bulletin.services import proofs
from bulletin.services.context import Context
from bulletin.services.special_reports import preview as special_preview
from bulletin.services.special_reports import scheduling as special_reports
from bulletin.web import flash
from bulletin.web.deps import ContextDep, EditorDep, FormDep, SenderDep, text, texts
from bulletin.web.desk import confirm, test_sends
from bulletin.web.ids import RowId, form_row_id
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/special-reports")

# The preview is the email's own HTML: shown in a sandboxed frame, never run as our page.
PREVIEW_CSP = (
    "sandbox; default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline';"
    " frame-ancestors 'self'"
)
EMPTY = ReportContent(headline="", sections=(Section("", ""),))
SECTION_FIELDS = ("heading", "body", "image_url", "image_caption", "image_credit")


@router.get("", response_class=HTMLResponse)
def index(request: Request, ctx: ContextDep, editor: EditorDep) -> Response:
    return page(
        request,
        "desk/special_reports.html",
        views=special_reports.recent(ctx),
        zone=ctx.settings.time_zone,
    )


@router.get("/new", response_class=HTMLResponse)
def new(
    request: Request, ctx: ContextDep, editor: SenderDep, story: RowId | None = None
) -> Response:
    """The form, empty or (`?story=ID`) filled from a stored story."""
    try:
        content = special_reports.from_story(ctx, story) if story is not None else EMPTY
    except InvalidInput as exc:
        return _editor_page(request, ctx, editor, content=EMPTY, at="", error=str(exc))
    return _editor_page(request, ctx, editor, content=content, at="")


@router.post("", response_class=HTMLResponse)
def create(request: Request, ctx: ContextDep, editor: SenderDep, form: FormDep) -> Response:
    content = content_from_form(form)
    at = text(form, "at") if text(form, "action") == "schedule" else ""
    try:
        report = special_reports.create(ctx, content, actor=editor, at=at or None)
    except InvalidInput as exc:
        return _editor_page(
            request, ctx, editor, content=content, at=text(form, "at"), error=str(exc)
        )
    done = "Saved and scheduled." if at else "Saved as a draft."
    return flash.redirect(request, f"/desk/special-reports/{report.id}", done)


@router.get("/{report_id}", response_class=HTMLResponse)
def show(request: Request, report_id: RowId, ctx: ContextDep, editor: EditorDep) -> Response:
    return _report_page(request, ctx, editor, report_id)


@router.post("/{report_id}", response_class=HTMLResponse)
def save(
    request: Request, report_id: RowId, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    content = content_from_form(form)
    try:
        special_reports.update(ctx, report_id, content, actor=editor)
    except InvalidInput as exc:
        return _report_page(request, ctx, editor, report_id, content=content, error=str(exc))
    return flash.redirect(request, f"/desk/special-reports/{report_id}#edit-h", "Changes saved.")


@router.post("/{report_id}/schedule", response_class=HTMLResponse)
def schedule(
    request: Request, report_id: RowId, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    try:
        special_reports.schedule(ctx, report_id, text(form, "at"), actor=editor)
    except InvalidInput as exc:
        return _report_page(request, ctx, editor, report_id, at=text(form, "at"), error=str(exc))
    return flash.redirect(request, f"/desk/special-reports/{report_id}", "Scheduled.")


@router.post("/{report_id}/cancel", response_class=HTMLResponse)
def cancel(
    request: Request, report_id: RowId, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    if not confirm.confirmed(form):
        return confirm.ask(
            request,
            question=f"Cancel special report {report_id}?",
            consequence="It will not be sent to anyone.",
            action=f"/desk/special-reports/{report_id}/cancel",
            yes="Cancel this report",
            back=f"/desk/special-reports/{report_id}",
        )
    back = f"/desk/special-reports/{report_id}"
    try:
        special_reports.cancel(ctx, report_id, actor=editor)
    except InvalidInput as exc:
        return flash.redirect(request, back, str(exc), kind="error")
    return flash.redirect(request, back, "Cancelled: it will not be sent to anyone.")


@router.post("/{report_id}/test-send", response_class=HTMLResponse)
def test_send(
    request: Request, report_id: RowId, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    back = f"/desk/special-reports/{report_id}"
    try:
        job_id = special_preview.queue_test(
            ctx, report_id, texts(form, "to"), actor=editor, back_path=back
        )
    except InvalidInput as exc:  # a refusal a form can cause; a hand-made one is a 403
        return flash.redirect(request, back, str(exc), kind="error")
    return test_sends.opened(request, ctx, editor, job_id)


@router.get("/{report_id}/preview.html")
def preview_html(report_id: RowId, ctx: ContextDep, editor: EditorDep) -> Response:
    shown = special_preview.preview(ctx, report_id, to=editor.email)
    return HTMLResponse(shown.html, headers={"Content-Security-Policy": PREVIEW_CSP})


@router.get("/{report_id}/preview.txt")
def preview_text(report_id: RowId, ctx: ContextDep, editor: EditorDep) -> Response:
    return PlainTextResponse(special_preview.preview(ctx, report_id, to=editor.email).text)


def content_from_form(form: FormData) -> ReportContent:
    """The report as the form sent it; section rows left wholly blank are dropped."""
    columns = [texts(form, f"section_{name}") for name in SECTION_FIELDS]
    sections = tuple(
        Section(heading, body, Picture(url, caption, credit) if url or caption or credit else None)
        for heading, body, url, caption, credit in zip_longest(*columns, fillvalue="")
        if any(v.strip() for v in (heading, body, url, caption, credit))
    )
    hero = [text(form, f"hero_{name}") for name in ("url", "caption", "credit")]
    story = text(form, "story_id")
    return ReportContent(
        headline=text(form, "headline"),
        subject=text(form, "subject"),
        dek=text(form, "dek"),
        hero=Picture(*hero) if any(v.strip() for v in hero) else None,
        sections=sections,
        cta_url=text(form, "cta_url"),
        cta_label=text(form, "cta_label"),
        story_id=form_row_id(story, what="story number"),
    )


def _editor_page(
    request: Request,
    ctx: Context,
    editor: Editor,
    *,
    content: ReportContent,
    at: str,
    error: str | None = None,
) -> Response:
    return page(
        request,
        "desk/special_report_new.html",
        status_code=422 if error else 200,
        content=content,
        at=at,
        zone=ctx.settings.time_zone,
        error=error,
    )


def _report_page(
    request: Request,
    ctx: Context,
    editor: Editor,
    report_id: int,
    *,
    content: ReportContent | None = None,
    at: str | None = None,
    error: str | None = None,
    status_code: int | None = None,
) -> Response:
    view = special_reports.get(ctx, report_id)
    shown = special_preview.preview(ctx, report_id, to=editor.email)
    return page(
        request,
        "desk/special_report.html",
        clipping=clipping_warning(shown.html),
        status_code=status_code or (422 if error else 200),
        view=view,
        content=content or view.report.content,
        at=view.scheduled_input if at is None else at,
        zone=ctx.settings.time_zone,
        test_to=proofs.allowed_test_recipients(ctx, editor),
        error=error,
    )
