"""Desk pages about readers: search, one reader's record, CSV import and export."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import HTMLResponse, Response, StreamingResponse

from bulletin.domain.errors import InvalidInput
from bulletin.services.campaigns import dashboard as desk
from bulletin.services.context import Context
from bulletin.services.readers import lookup as readers
from bulletin.services.readers import transfer
from bulletin.web.deps import ContextDep, EditorDep, FormDep, SenderDep, text, texts
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
def reader(request: Request, subscriber_id: int, ctx: ContextDep, editor: EditorDep) -> Response:
    return page(request, "desk/reader.html", record=readers.record(ctx, subscriber_id))


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
    request: Request, ctx: Context, *, q: str, error: str | None = None, status_code: int = 200
) -> Response:
    return page(
        request,
        "desk/subscribers.html",
        status_code=status_code,
        q=q,
        found=readers.search(ctx, q),
        lists=desk.all_lists(ctx),
        error=error,
    )
