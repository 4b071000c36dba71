"""The desk's briefing page: the day's edition to curate, preview per segment, hold or approve."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response

from bulletin.domain.clipping import clipping_warning
from bulletin.domain.editions import Edition, briefing_subject, topics_of
from bulletin.domain.errors import InvalidInput, NotFound
from bulletin.domain.models import Editor
from bulletin.domain.topics import TOPICS
from bulletin.services import proofs
from bulletin.services.briefing import curation
from bulletin.services.briefing import editions as briefing
from bulletin.services.briefing import proofs as briefing_test
from bulletin.services.campaigns import clicks as click_reports
from bulletin.services.context import Context
from bulletin.services.stories import desk as story_desk
from bulletin.services.stories.desk import StoryFilter
from bulletin.web import flash
from bulletin.web.deps import ContextDep, EditorDep, FormDep, SenderDep, text, texts, whole
from bulletin.web.desk import confirm, test_sends
from bulletin.web.desk.routes import SANDBOX_CSP
from bulletin.web.ids import MAX_ROW_ID, RowId, form_row_id
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/briefing")

FOUND = 10  # stories offered for one search on the page


def _day(ctx: Context, raw: str | None) -> date:
    if not raw:
        return briefing.next_date(ctx)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise NotFound(f"{raw!r} is not a date like 2026-11-24.") from None


def _segment_name(segment: int) -> str:
    topics = topics_of(segment)
    return ", ".join(TOPICS[t] for t in TOPICS if t in topics) or "All readers (no topics chosen)"


@router.get("", response_class=HTMLResponse)
def edition_page(
    request: Request,
    ctx: ContextDep,
    editor: EditorDep,
    date: str | None = None,
    segment: RowId = 0,
    find: str = "",
) -> Response:
    """The edition; `find` searches stories to add by their headline or text."""
    day = _day(ctx, date)
    shown = briefing.preview(ctx, day)
    segments = shown.segments if segment in shown.segments else (*shown.segments, segment)
    find = find.strip()[:200]
    return page(
        request,
        "desk/briefing.html",
        preview=shown,
        data=shown.as_json(),
        edition=shown.edition,
        segment=segment,
        segments=[(s, _segment_name(s)) for s in segments],
        segment_items=briefing.items_for(shown.edition, segment),
        clipping=_clipping(ctx, shown.edition, segment),
        test_to=proofs.allowed_test_recipients(ctx, editor),
        find=find,
        found=story_desk.search(ctx, StoryFilter(text=find)).rows[:FOUND] if find else [],
        in_edition={i.story_id for i in shown.edition.items},
        last_clicks=click_reports.previous_edition(ctx, day),
        races_on=ctx.settings.click_tracking != "off",
        own_subject=briefing_subject(shown.edition) if shown.edition.items else None,
    )


def _clipping(ctx: Context, edition: Edition, segment: int) -> str | None:
    if not edition.items:
        return None
    return clipping_warning(briefing.render_segment(ctx, edition, segment)[1])


@router.get("/preview.html")
def preview_html(ctx: ContextDep, editor: EditorDep, date: str, segment: RowId = 0) -> Response:
    """One segment's email as readers will see it, in a sandboxed frame."""
    edition = briefing.preview(ctx, _day(ctx, date)).edition
    _, html = briefing.render_segment(ctx, edition, segment)
    return HTMLResponse(html, headers={"Content-Security-Policy": SANDBOX_CSP})


@router.post("/test-send", response_class=HTMLResponse)
def test_send(request: Request, ctx: ContextDep, editor: SenderDep, form: FormDep) -> Response:
    """Queue one segment's edition, marked [TEST], to the editor or the staff; then its page."""
    day = _day(ctx, text(form, "date"))
    segment = _segment(form)
    back = f"{_address(day)}&segment={segment}"
    try:
        job_id = briefing_test.queue_test(
            ctx, day, segment=segment, recipients=texts(form, "to"), actor=editor, back_path=back
        )
    except InvalidInput as exc:  # a refusal a form can cause; a hand-made one is a 403
        return flash.redirect(request, back, str(exc), kind="error")
    return test_sends.opened(request, ctx, editor, job_id)


def _segment(form: FormData) -> int:
    raw = text(form, "segment").strip() or "0"
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ROW_ID:
        raise NotFound(f"{raw[:40]!r} is not a segment number.")
    return int(raw)


ACTIONS = {
    "subject-test",
    "assemble",
    "approve",
    "hold",
    "release",
    "pin",
    "unpin",
    "drop",
    "add",
    "up",
    "down",
    "summary",
    "greeting",
}


@router.post("/{action}", response_class=HTMLResponse)
def curate(
    request: Request, action: str, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    day = _day(ctx, text(form, "date"))
    if action not in ACTIONS:
        return page(request, "desk/not_found.html", status_code=404, what="No such action.")
    if action == "approve" and not confirm.confirmed(form):
        return confirm.ask(
            request,
            question=f"Approve the briefing for {day:%A %d %B %Y}?",
            consequence="Its readers' emails are queued within a minute, each for the "
            "reader's own morning; after that the edition can no longer be changed.",
            action="/desk/briefing/approve",
            fields={"date": day.isoformat()},
            yes="Approve and send",
            back=f"/desk/briefing?date={day.isoformat()}",
        )
    try:
        _apply(ctx, action, day, form, editor)
    except InvalidInput as exc:
        return flash.redirect(request, _back(action, day, form), str(exc), kind="error")
    return flash.redirect(request, _back(action, day, form), DONE[action])


def _address(day: date) -> str:
    return f"/desk/briefing?date={day.isoformat()}"


# Where each action's result is on the page: the editor lands beside what changed, not
# at the top of a long page.
SECTION_OF = {
    "assemble": "when",
    "approve": "when",
    "hold": "when",
    "release": "when",
    "greeting": "edition",
    "drop": "edition",
    "subject-test": "subject-test",
}
DONE = {
    "assemble": "Assembled.",
    "approve": "Approved: readers' emails are queued for their own mornings.",
    "hold": "Held.",
    "release": "Hold released.",
    "pin": "Pinned.",
    "unpin": "Unpinned.",
    "drop": "Dropped.",
    "add": "Added.",
    "up": "Moved up.",
    "down": "Moved down.",
    "summary": "Summary saved.",
    "greeting": "Greeting saved.",
    "subject-test": "Subject test saved.",
}


def _back(action: str, day: date, form: FormData) -> str:
    if action in SECTION_OF:
        return f"{_address(day)}#{SECTION_OF[action]}"
    story = text(form, "story_id").strip()
    anchor = f"item-{story}" if story.isascii() and story.isdigit() else "edition"
    return f"{_address(day)}#{anchor}"


def _apply(ctx: Context, action: str, day: date, form: FormData, editor: Editor) -> Edition:
    if action in ("assemble", "approve", "hold", "release"):
        return getattr(briefing, action)(ctx, day, actor=editor)
    if action == "greeting":
        return curation.set_greeting(ctx, day, text(form, "text"), actor=editor)
    if action == "subject-test":
        return curation.set_subject_test(
            ctx,
            day,
            [text(form, "subject_b"), text(form, "subject_c")],
            share_percent=whole(form, "test_share", what="test's share of readers", default=10),
            window_minutes=whole(form, "test_minutes", what="test's minutes", default=20),
            actor=editor,
        )
    story_id = _story_id(form)
    if action in ("pin", "unpin"):
        return curation.set_pinned(ctx, day, story_id, pinned=action == "pin", actor=editor)
    if action == "drop":
        return curation.drop(ctx, day, story_id, actor=editor)
    if action == "add":
        return curation.add(ctx, day, story_id, actor=editor)
    if action == "summary":
        return curation.set_summary(ctx, day, story_id, text(form, "text"), actor=editor)
    order = [i.story_id for i in briefing.preview(ctx, day).edition.items]
    if story_id not in order:
        raise InvalidInput(f"Story {story_id} is not in this briefing.")
    at = order.index(story_id)
    to = at - 1 if action == "up" else at + 1
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
    return curation.reorder(ctx, day, order, actor=editor)


def _story_id(form: FormData) -> int:
    try:
        story_id = form_row_id(text(form, "story_id"))
    except InvalidInput:
        story_id = None
    if story_id is None:
        raise InvalidInput("That form was damaged: it did not say which story.")
    return story_id
