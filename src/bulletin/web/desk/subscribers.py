"""Desk pages about readers: the list (filtered, searched, keyset pages), one reader's record
and what staff may do to it (resend the confirmation, unsubscribe from a list, suppress,
each asked first where it cannot be undone), CSV import and export, and (for admins) a
reader's data rights: their data as JSON, and erasure after typing their address.

Every post answers with a redirect and a flash message, so a reload never posts again."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.datastructures import UploadFile
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from bulletin.domain.addresses import same_address
from bulletin.domain.errors import InvalidInput, TooManyRequests
from bulletin.services.campaigns import dashboard as desk
from bulletin.services.context import Context
from bulletin.services.readers import desk_actions as actions
from bulletin.services.readers import listing, rights, transfer
from bulletin.services.readers import lookup as readers
from bulletin.web import flash
from bulletin.web.deps import AdminDep, ContextDep, EditorDep, FormDep, SenderDep, text, texts
from bulletin.web.desk import confirm
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/subscribers")

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@router.get("", response_class=HTMLResponse)
def search(
    request: Request,
    ctx: ContextDep,
    editor: EditorDep,
    q: str = "",
    list_slug: Annotated[str, Query(alias="list")] = "",
    status: str = "",
    before: RowId | None = None,
    after: RowId | None = None,
) -> Response:
    query = listing.Query(q=q, list_slug=list_slug, standing=status, before=before, after=after)
    return _search_page(request, ctx, query=query)


@router.get("/export.csv")
def export(ctx: ContextDep, editor: SenderDep) -> Response:
    # Exporting every address is a sender's job, not a viewer's, and it is audited.
    return StreamingResponse(
        transfer.export_csv(ctx, actor=editor.email),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="subscribers.csv"'},
    )


@router.post("/import", response_class=HTMLResponse)
async def import_file(
    request: Request, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    upload = form.get("file")
    try:
        data = await _read_upload(upload)
        if not form.get("attest"):
            raise InvalidInput("Please confirm these readers agreed to receive these lists.")
        report = transfer.import_csv(
            ctx,
            data,
            default_lists=texts(form, "lists"),
            consent_source=text(form, "source"),
            actor=editor.email,
        )
    except InvalidInput as exc:
        return _search_page(request, ctx, query=listing.Query(), error=str(exc), status_code=422)
    return page(
        request,
        "desk/import_report.html",
        status_code=200 if report.imported else 422,
        report=report,
        filename=upload.filename if isinstance(upload, UploadFile) else "",
    )


@router.get("/{subscriber_id}", response_class=HTMLResponse)
def reader(request: Request, subscriber_id: RowId, ctx: ContextDep, editor: EditorDep) -> Response:
    return page(
        request,
        "desk/reader.html",
        record=readers.record(ctx, subscriber_id),
        resend_minutes=max(1, ctx.settings.confirm_resend_s // 60),
    )


@router.post("/{subscriber_id}/resend")
def resend(
    request: Request, subscriber_id: RowId, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    back = _reader_path(subscriber_id)
    try:
        sent = actions.resend_confirmation(
            ctx, subscriber_id, actor=editor.email, limits=request.app.state.signup_limits
        )
    except (InvalidInput, TooManyRequests) as exc:
        return flash.redirect(request, back, str(exc), kind="error")
    lists = ", ".join(sent.list_names)
    return flash.redirect(request, back, f"Confirmation sent again to {sent.email} ({lists}).")


@router.post("/{subscriber_id}/unsubscribe")
def unsubscribe(
    request: Request, subscriber_id: RowId, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    back = _reader_path(subscriber_id)
    slug = text(form, "list")
    if not confirm.confirmed(form):
        record = readers.record(ctx, subscriber_id)
        names = {s.list_slug: s.list_name for s in record.subscriptions}
        if slug not in names:
            return flash.redirect(request, back, "Choose one of the reader's lists.", kind="error")
        return confirm.ask(
            request,
            question=f"Take {record.subscriber.email} off {names[slug]}?",
            consequence="Nothing more from this list goes to them. Only the reader can join "
            "it again, from the sign-up form or their preference centre.",
            action=f"{back}/unsubscribe",
            fields={"list": slug},
            yes=f"Unsubscribe from {names[slug]}",
            back=back,
        )
    try:
        name = actions.unsubscribe(ctx, subscriber_id, slug, actor=editor.email)
    except InvalidInput as exc:
        return flash.redirect(request, back, str(exc), kind="error")
    return flash.redirect(request, back, f"Unsubscribed from {name}.")


@router.post("/{subscriber_id}/suppress")
def suppress(
    request: Request, subscriber_id: RowId, ctx: ContextDep, editor: SenderDep, form: FormDep
) -> Response:
    back = _reader_path(subscriber_id)
    reason = text(form, "reason").strip()
    if not confirm.confirmed(form):
        record = readers.record(ctx, subscriber_id)
        problem = _reason_problem(reason) or (
            "This address is already suppressed." if record.suppressed else None
        )
        if problem:
            return flash.redirect(request, back, problem, kind="error")
        return confirm.ask(
            request,
            question=f"Suppress {record.subscriber.email}?",
            consequence=f"Nothing from any list is sent to this address again, even if it "
            f"signs up again or is erased. The reason kept with it: “{reason}”.",
            action=f"{back}/suppress",
            fields={"reason": reason},
            yes="Suppress this address",
            back=back,
        )
    try:
        actions.suppress(ctx, subscriber_id, reason=reason, actor=editor.email)
    except InvalidInput as exc:
        return flash.redirect(request, back, str(exc), kind="error")
    return flash.redirect(request, back, "Suppressed: nothing more is sent to this address.")


@router.get("/{subscriber_id}/export.json")
def export_reader(subscriber_id: RowId, ctx: ContextDep, editor: AdminDep) -> Response:
    document = rights.export(ctx, subscriber_id, actor=editor.email)
    return JSONResponse(
        document,
        headers={"Content-Disposition": f'attachment; filename="reader-{subscriber_id}.json"'},
    )


@router.get("/{subscriber_id}/erase", response_class=HTMLResponse)
def erase_form(
    request: Request, subscriber_id: RowId, ctx: ContextDep, editor: AdminDep
) -> Response:
    return page(request, "desk/reader_erase.html", record=readers.record(ctx, subscriber_id))


@router.post("/{subscriber_id}/erase", response_class=HTMLResponse)
def erase(
    request: Request, subscriber_id: RowId, ctx: ContextDep, editor: AdminDep, form: FormDep
) -> Response:
    record = readers.record(ctx, subscriber_id)
    if not same_address(text(form, "confirm_address"), record.subscriber.email):
        error = "Type the reader's address exactly to confirm the erasure."
        return page(request, "desk/reader_erase.html", status_code=422, record=record, error=error)
    erased = rights.erase(ctx, subscriber_id, actor=editor.email)
    kept = " Their address stays suppressed, as a keyed hash." if erased.suppressed else ""
    notice = (
        f"Reader {subscriber_id} was erased: {erased.ledger_rows} ledger rows no longer name "
        f"them, {erased.events} events were anonymised.{kept}"
    )
    return flash.redirect(request, "/desk/subscribers", notice)


async def _read_upload(upload: object) -> str:
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("Choose a CSV file to import.")
    raw = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise InvalidInput("That file is over 10 MB; split it into smaller files.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("Save the file as UTF-8 CSV and try again.") from exc


def _reader_path(subscriber_id: int) -> str:
    return f"/desk/subscribers/{subscriber_id}"


def _reason_problem(reason: str) -> str | None:
    if not reason:
        return "Say why this address is suppressed: the reason is kept with it."
    if len(reason) > actions.MAX_REASON:
        return f"Keep the reason under {actions.MAX_REASON} characters."
    return None


def _search_page(
    request: Request,
    ctx: Context,
    *,
    query: listing.Query,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    try:
        found = listing.list_readers(ctx, query)
    except InvalidInput as exc:
        found, error, status_code = None, str(exc), 422
    return page(
        request,
        "desk/subscribers.html",
        status_code=status_code,
        query=query,
        found=found,
        standings=listing.STANDINGS,
        newer_url=_page_url(query, after=found.newer_than) if found else None,
        older_url=_page_url(query, before=found.older_than) if found else None,
        lists=desk.all_lists(ctx),
        error=error,
    )


def _page_url(
    query: listing.Query, *, before: int | None = None, after: int | None = None
) -> str | None:
    """The address of the next page over, keeping the filters (None: there is none)."""
    if before is None and after is None:
        return None
    fields = {"q": query.q, "list": query.list_slug, "status": query.standing}
    kept = {name: value for name, value in fields.items() if value}
    if before is not None:
        kept["before"] = str(before)
    else:
        kept["after"] = str(after)
    return "/desk/subscribers?" + urlencode(kept)
