"""The desk's alert flow: write (from a story, a sent alert, or blank), preview, test, review, send.

Thin handlers: every rule lives in services.alerts, services.alert_preview and
services.alert_review. Only the review step's signed token can send an alert, so
what an editor confirmed on the review page is what goes out.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bulletin.domain.errors import InvalidInput, TokenError
from bulletin.domain.models import AlertDraft, Editor
from bulletin.domain.subject_tests import (
    DEFAULT_SHARE_PERCENT,
    DEFAULT_WINDOW_MINUTES,
    SubjectTest,
)
from bulletin.services.alerts import preview as alert_preview
from bulletin.services.alerts import review as alert_review
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.web.deps import ContextDep, FormDep, SenderDep, text, whole
from bulletin.web.desk import test_sends
from bulletin.web.ids import RowId, form_row_id
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/alerts")


@router.get("/new", response_class=HTMLResponse)
def new_alert(
    request: Request,
    ctx: ContextDep,
    editor: SenderDep,
    story: RowId | None = None,
    parent: RowId | None = None,
) -> Response:
    """A blank alert, or one prefilled from a story (`?story=ID`) or as an update (`?parent=ID`).

    A draft itself never travels in an address (where logs and browser history keep it):
    the way back from a test send posts it to `/desk/alerts/edit`.
    """
    if parent is not None:
        draft = alerts.draft_for_update(ctx, parent)
    elif story is not None:
        draft = alerts.draft_for_story(ctx, story)
    else:
        draft = AlertDraft("", "", "")
    return _compose(request, ctx, editor, draft)


@router.post("/edit", response_class=HTMLResponse)
def edit_alert(request: Request, ctx: ContextDep, editor: SenderDep, form: FormDep) -> Response:
    """Back from the review page to the form, with what was written."""
    return _compose(request, ctx, editor, _draft(form))


@router.post("/preview")
def preview(ctx: ContextDep, editor: SenderDep, form: FormDep) -> Response:
    """The message as built for this editor, for the live preview (JSON: subject, html, text)."""
    shown = alert_preview.preview(ctx, _draft(form), to=editor.email)
    return JSONResponse(
        {
            "subject": shown.subject,
            "html": shown.html,
            "text": shown.text,
            "problem": shown.problem,
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post("/test", response_class=HTMLResponse)
def test_send(request: Request, ctx: ContextDep, editor: SenderDep, form: FormDep) -> Response:
    """Queue the draft as a test to the staff, then its page (post/redirect/get); no waiting."""
    draft = _draft(form)
    try:
        job_id = alert_preview.queue_test(ctx, draft, actor=editor, back_path=_edit_address(draft))
    except InvalidInput as exc:
        return _compose(request, ctx, editor, draft, error=str(exc), status_code=422)
    return test_sends.opened(request, ctx, editor, job_id)


def _edit_address(draft: AlertDraft) -> str:
    """The way back to the form: the test send's page posts these fields to `/desk/alerts/edit`."""
    fields: dict[str, str | int] = {
        "headline": draft.headline,
        "summary": draft.summary,
        "url": draft.url,
        "subject": draft.subject or "",
    }
    if draft.test is not None:
        fields.update(
            subject_b=draft.test.subjects[1] if len(draft.test.subjects) > 1 else "",
            subject_c=draft.test.subjects[2] if len(draft.test.subjects) > 2 else "",
            test_share=draft.test.share_percent,
            test_minutes=draft.test.window_minutes,
        )
    if draft.story_id is not None:
        fields["story_id"] = draft.story_id
    if draft.parent_id is not None:
        fields["parent_id"] = draft.parent_id
    return f"/desk/alerts/edit?{urlencode(fields)}"


@router.post("/review", response_class=HTMLResponse)
def review(request: Request, ctx: ContextDep, editor: SenderDep, form: FormDep) -> Response:
    """The confirmation step: the exact number of readers, and the button that sends."""
    draft = _draft(form)
    try:
        checked = alert_review.review(ctx, draft, actor=editor)
    except InvalidInput as exc:
        return _compose(request, ctx, editor, draft, error=str(exc), status_code=422)
    shown = alert_preview.preview(ctx, checked.draft, to=editor.email)
    return page(request, "desk/alert_review.html", review=checked, preview=shown)


@router.post("", response_class=HTMLResponse)
def send(request: Request, ctx: ContextDep, editor: SenderDep, form: FormDep) -> Response:
    """Send what the review page showed (the signed token), or hold it for approval."""
    try:
        fired = alert_review.send_reviewed(ctx, text(form, "review_token"), actor=editor)
    except (TokenError, InvalidInput) as exc:
        status = 400 if isinstance(exc, TokenError) else 422
        return _compose(request, ctx, editor, _draft(form), error=str(exc), status_code=status)
    return RedirectResponse(f"/desk/campaigns/{fired.campaign_id}", status_code=303)


@router.post("/{campaign_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request, campaign_id: RowId, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    alert_review.approve(ctx, campaign_id, actor=editor)
    return RedirectResponse(f"/desk/campaigns/{campaign_id}", status_code=303)


def _compose(
    request: Request,
    ctx: Context,
    editor: Editor,
    draft: AlertDraft,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "desk/alert_compose.html",
        status_code=status_code,
        draft=draft,
        preview=alert_preview.preview(ctx, draft, to=editor.email),
        seed=alert_preview.seed_list(ctx, editor),
        context=alerts.draft_context(ctx, draft),
        error=error,
        races_on=ctx.settings.click_tracking != "off",
        min_clicks=ctx.settings.subject_test_min_clicks,
    )


def _draft(form: FormData) -> AlertDraft:
    return AlertDraft(
        headline=text(form, "headline"),
        summary=text(form, "summary"),
        url=text(form, "url"),
        subject=text(form, "subject") or None,
        story_id=_id(text(form, "story_id")),
        parent_id=_id(text(form, "parent_id")),
        test=_test(form),
    )


def _test(form: FormData) -> SubjectTest | None:
    """The subject test the form asks for: None unless a second or third subject is
    written (checked with the rest of the alert at review)."""
    others = [text(form, "subject_b"), text(form, "subject_c")]
    if not any(o.strip() for o in others):
        return None
    share = whole(form, "test_share", what="test's share of readers", default=DEFAULT_SHARE_PERCENT)
    minutes = whole(form, "test_minutes", what="test's minutes", default=DEFAULT_WINDOW_MINUTES)
    return SubjectTest((text(form, "subject"), *others), share, minutes * 60)


def _id(value: str) -> int | None:
    try:
        return form_row_id(value)
    except InvalidInput:
        raise InvalidInput(
            "That form was damaged (a story or alert number is not a number)."
        ) from None
