"""/metrics for Prometheus: every process's counters and the ledger's live figures.

Who may read it: loopback and `BULLETIN_METRICS_NETWORKS` (the client as `client_ip`
sees it, so behind a trusted proxy the forwarded address), or anyone with
`Authorization: Bearer BULLETIN_METRICS_TOKEN`. The figures name relays and campaign
ids, never a reader.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from bulletin import metrics
from bulletin.config import Settings
from bulletin.services.context import Context
from bulletin.services.health.figures import ledger_figures
from bulletin.services.health.metrics_access import may_read
from bulletin.web.deps import client_ip

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics_page(request: Request) -> Response:
    ctx: Context = request.app.state.context
    if not ctx.settings.metrics:
        return JSONResponse({"detail": "Metrics are off (BULLETIN_METRICS)."}, status_code=404)
    if not _may_read(request, ctx.settings):
        return JSONResponse(
            {"detail": "Not allowed: read /metrics from an allowed network or with the token."},
            status_code=403,
        )

    def read() -> tuple[metrics.LedgerRows, tuple[int, float] | None]:
        figures = ledger_figures(ctx)
        return figures.sending, figures.briefing_lag

    body = metrics.exposition(metrics.LedgerCollector(read))
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def _may_read(request: Request, settings: Settings) -> bool:
    authorization = request.headers.get("authorization", "")
    return may_read(settings, client=client_ip(request), authorization=authorization)
