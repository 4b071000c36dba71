"""/healthz and /readyz for load balancers and monitors: JSON, no secrets, no session."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bulletin.services.health.readiness import ReadinessProbe

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """The process is up and answering: nothing else is asked."""
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready to send: database, schema, mail route and a worker; 503 with the reasons if not."""
    probe: ReadinessProbe = request.app.state.readiness
    readiness = probe.check()
    body = {
        "status": "ready" if readiness.ready else "not ready",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in readiness.checks},
    }
    return JSONResponse(
        body, status_code=200 if readiness.ready else 503, headers={"Cache-Control": "no-store"}
    )
