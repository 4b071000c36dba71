"""Desk pages about readers: search, one reader's record, CSV import and export, and (for
admins) a reader's data rights: their data as JSON, and erasure after a confirmation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from bulletin.domain.addresses import same_address
from bulletin.domain.errors import InvalidInput
from bulletin.services.campaigns import dashboard as desk
from bulletin.services.context import Context
from bulletin.services.readers import lookup as readers
from bulletin.services.readers import rights, transfer
from bulletin.web.deps import AdminDep, ContextDep, EditorDep, FormDep, SenderDep, text, texts
from bulletin.web.ids import RowId
from bulletin.web.pages import page

router = APIRouter(prefix="/desk/subscribers")

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@router.get("", response_class=HTMLResponse)
def search(request: Request, ctx: ContextDep, editor: EditorDep, q: str = "") -> Response:
    return _search_page(request, ctx, q=q)


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
        return _search_page(request, ctx, q="", error=str(exc), status_code=422)
    return page(
        request,
        "desk/import_report.html",
        status_code=200 if report.imported else 422,
        report=report,
        filename=upload.filename if isinstance(upload, UploadFile) else "",
    )


@router.get("/{subscriber_id}", response_class=HTMLResponse)
def reader(request: Request, subscriber_id: RowId, ctx: ContextDep, editor: EditorDep) -> Response:
    return page(request, "desk/reader.html", record=readers.record(ctx, subscriber_id))


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
    return _search_page(request, ctx, q="", notice=notice)


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


def _search_page(
    request: Request,
    ctx: Context,
    *,
    q: str,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "desk/subscribers.html",
        status_code=status_code,
        q=q,
        found=readers.search(ctx, q),
        lists=desk.all_lists(ctx),
        error=error,
        notice=notice,
    )
