"""Mail providers' webhooks: POST /hooks/ses, /hooks/sendgrid, /hooks/mailgun, /hooks/postmark.

Server to server, so no session and no CSRF token: each request proves itself the way
its provider documents (the service checks it). Thin handlers: read the body (at most
1 MB), hand it to the service, answer in a way the provider understands. A refused
request is 401 (Postmark's basic auth) or 403, a body we cannot read 400, one we took
200 with what was done. Anything else, such as the database being away, is 503 so that
the provider tries again later; nothing is lost, since a retried event counts once.
A provider whose settings are unset has no endpoint (404).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from bulletin.domain.errors import MalformedWebhook, ProviderUnavailable, WebhookRefused
from bulletin.services.readers.webhooks import Receipt, Webhooks

log = logging.getLogger(__name__)

router = APIRouter(prefix="/hooks")

MAX_BODY = 1024 * 1024
Take = Callable[[Webhooks, bytes, Request], Receipt]


@router.post("/ses")
async def ses(request: Request) -> Response:
    return await _take(request, "ses", lambda hooks, body, _: hooks.ses(body))


@router.post("/sendgrid")
async def sendgrid(request: Request) -> Response:
    def take(hooks: Webhooks, body: bytes, request: Request) -> Receipt:
        headers = request.headers
        return hooks.sendgrid(
            body,
            signature=headers.get("x-twilio-email-event-webhook-signature"),
            timestamp=headers.get("x-twilio-email-event-webhook-timestamp"),
        )

    return await _take(request, "sendgrid", take)


@router.post("/mailgun")
async def mailgun(request: Request) -> Response:
    return await _take(request, "mailgun", lambda hooks, body, _: hooks.mailgun(body))


@router.post("/postmark")
async def postmark(request: Request) -> Response:
    def take(hooks: Webhooks, body: bytes, request: Request) -> Receipt:
        return hooks.postmark(body, authorization=request.headers.get("authorization"))

    return await _take(request, "postmark", take)


async def _take(request: Request, provider: str, take: Take) -> Response:
    hooks: Webhooks = request.app.state.webhooks
    if not hooks.enabled(provider):
        return _error(404, "Not found.")
    body = await _body(request)
    if body is None:
        return _error(413, f"The body is larger than {MAX_BODY // 1024} KB.")
    try:
        receipt = await run_in_threadpool(take, hooks, body, request)
    except WebhookRefused as exc:
        log.warning("%s webhook refused: %s", provider, exc)
        if provider == "postmark":
            return _error(401, str(exc), headers={"WWW-Authenticate": 'Basic realm="bulletin"'})
        return _error(403, str(exc))
    except MalformedWebhook as exc:
        return _error(400, str(exc))
    except ProviderUnavailable as exc:
        log.warning("%s webhook not taken: %s", provider, exc)
        return _error(503, str(exc))
    except Exception:  # never a 500: the provider keeps the event and tries again
        log.exception("%s webhook could not be recorded", provider)
        return _error(503, "Could not record the events now; please try again.")
    return JSONResponse(receipt.summary())


async def _body(request: Request) -> bytes | None:
    """The request body, or None when it is larger than MAX_BODY (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": reason}, status_code=status, headers=headers)
