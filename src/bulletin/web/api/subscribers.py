"""/api/v1/subscribers: read readers page by page, import a CSV file, export them all;
one reader's data rights (export, erasure) with an admin key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from starlette.responses import JSONResponse, Response, StreamingResponse

from bulletin.domain.errors import InvalidInput
from bulletin.services.readers import lookup as readers
from bulletin.services.readers import rights, transfer
from bulletin.web.api.auth import AdminKeyDep, KeyDep, SenderKeyDep, actor_name
from bulletin.web.api.schemas import (
    ErasurePublic,
    ImportReportPublic,
    SubscriberPage,
    SubscriberPublic,
)
from bulletin.web.deps import ContextDep
from bulletin.web.ids import RowId

router = APIRouter(prefix="/subscribers", tags=["subscribers"])

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@router.get("", response_model=SubscriberPage)
def list_subscribers(
    ctx: ContextDep,
    key: KeyDep,
    after: Annotated[RowId, Query(description="Last id of the previous page.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    email: Annotated[str | None, Query(description="Only the reader with this address.")] = None,
) -> SubscriberPage:
    found = readers.page(ctx, after=after, limit=limit, email=email)
    items = [SubscriberPublic.of(r) for r in found]
    more = email is None and len(items) == limit
    return SubscriberPage(items=items, next_after=items[-1].id if more else None)


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "Every reader as CSV."}},
)
def export_subscribers(ctx: ContextDep, key: SenderKeyDep) -> Response:
    return StreamingResponse(
        transfer.export_csv(ctx, actor=actor_name(key)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="subscribers.csv"'},
    )


@router.get(
    "/{address:path}/export",
    response_class=JSONResponse,
    responses={200: {"description": "Everything held about the reader (JSON)."}},
)
def export_reader(address: str, ctx: ContextDep, key: AdminKeyDep) -> Response:
    """One reader's data, found by their address in any letter case. Audited."""
    document = rights.export(ctx, rights.find(ctx, address), actor=actor_name(key))
    return JSONResponse(document)


@router.post("/{address:path}/erase", response_model=ErasurePublic)
def erase_reader(address: str, ctx: ContextDep, key: AdminKeyDep) -> ErasurePublic:
    """Erase the reader's personal data for good; a suppression stays as a keyed hash. Audited."""
    erased = rights.erase(ctx, rights.find(ctx, address), actor=actor_name(key))
    return ErasurePublic.of(erased)


@router.get("/{subscriber_id}", response_model=SubscriberPublic)
def get_subscriber(subscriber_id: RowId, ctx: ContextDep, key: KeyDep) -> SubscriberPublic:
    record = readers.record(ctx, subscriber_id)
    lists = {s.list_slug: s.status.value for s in record.subscriptions}
    return SubscriberPublic.of(readers.ReaderSummary(record.subscriber, lists, record.topics))


@router.post(
    "/import",
    response_model=ImportReportPublic,
    responses={422: {"model": ImportReportPublic, "description": "Nothing imported; see errors."}},
)
async def import_subscribers(
    ctx: ContextDep,
    key: SenderKeyDep,
    file: Annotated[UploadFile, File(description="UTF-8 CSV with an `email` column.")],
    consent_source: Annotated[str, Form(description="Where these readers agreed to our emails.")],
    lists: Annotated[list[str] | None, Form(description="Lists for rows without any.")] = None,
) -> Response:
    """All or nothing: if any row has a problem, nothing is imported and each is reported."""
    raw = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise InvalidInput("That file is over 10 MB; split it into smaller files.")
    try:
        data = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("Send the file as UTF-8 CSV.") from exc
    report = transfer.import_csv(
        ctx, data, default_lists=lists or [], consent_source=consent_source, actor=actor_name(key)
    )
    body = ImportReportPublic.of(report).model_dump()
    return JSONResponse(body, status_code=200 if report.imported else 422)
