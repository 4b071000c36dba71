"""Reader pages: thin handlers that bind the form, call a use case, render the answer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from bulletin.domain.errors import TokenError
from bulletin.domain.topics import TOPICS
from bulletin.services.campaigns import dashboard as desk
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.web import csrf
from bulletin.web.deps import ContextDep, FormDep, requester, text, texts
from bulletin.web.pages import page
from bulletin.web.reader.signing_up import submit

router = APIRouter()

ONE_CLICK = ("List-Unsubscribe", "One-Click")


@router.get("/", response_class=HTMLResponse)
def signup_form(request: Request, ctx: ContextDep) -> Response:
    return _signup_form(request, ctx, chosen=[], email="")


@router.post("/subscribe", response_class=HTMLResponse)
def subscribe(request: Request, ctx: ContextDep, form: FormDep) -> Response:
    def reshow(message: str) -> Response:
        return _signup_form(
            request,
            ctx,
            chosen=texts(form, "lists"),
            email=text(form, "email"),
            error=message,
            status_code=422,
        )

    return submit(request, ctx, form, method="web_form", done="/check-inbox", reshow=reshow)


@router.get("/check-inbox", response_class=HTMLResponse)
def check_inbox(request: Request) -> Response:
    return page(request, "reader/check_inbox.html")


@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, token: str, ctx: ContextDep) -> Response:
    try:
        pending = subscriptions.check_confirmation(ctx, token)
    except TokenError as exc:
        return _link_error(request, exc)
    return page(request, "reader/confirm.html", token=token, pending=pending)


@router.post("/confirm/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str, ctx: ContextDep, form: FormDep) -> Response:
    try:
        done = subscriptions.confirm(ctx, token, requester=requester(request, "email_link"))
    except TokenError as exc:
        return _link_error(request, exc)
    return page(request, "reader/confirmed.html", done=done)


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str, ctx: ContextDep) -> Response:
    try:
        target = subscriptions.check_unsubscribe(ctx, token)
    except TokenError as exc:
        return _link_error(request, exc)
    return page(request, "reader/unsubscribe.html", token=token, target=target)


@router.post("/unsubscribe/{token}")
async def unsubscribe(request: Request, token: str, ctx: ContextDep) -> Response:
    """RFC 8058 one-click, or the button on the unsubscribe page.

    One-click needs no cookie and no CSRF token: the signed link is the authority.
    """
    form = await request.form()
    one_click = form.get(ONE_CLICK[0]) == ONE_CLICK[1]
    if not one_click:
        try:
            csrf.verify(request, form.get(csrf.FIELD))
        except csrf.CsrfError:
            return _forbidden(request)
    method = "one_click" if one_click else "unsubscribe_page"
    try:
        target = subscriptions.unsubscribe(ctx, token, requester=requester(request, method))
    except TokenError as exc:
        if one_click:
            return PlainTextResponse(str(exc), status_code=400)
        return _link_error(request, exc)
    if one_click:
        return PlainTextResponse(f"Unsubscribed from {target.list_name}.")
    return page(request, "reader/unsubscribed.html", target=target)


def _signup_form(
    request: Request,
    ctx: Context,
    *,
    chosen: list[str],
    email: str,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "reader/signup.html",
        status_code=status_code,
        lists=desk.all_lists(ctx),
        topics=TOPICS,
        chosen=chosen,
        email=email,
        error=error,
        form_started=request.app.state.form_guard.started(),
    )


def _link_error(request: Request, exc: TokenError) -> Response:
    return page(request, "reader/link_error.html", status_code=400, message=str(exc))


def _forbidden(request: Request) -> Response:
    return page(
        request,
        "reader/link_error.html",
        status_code=403,
        message="This form has expired. Please go back, reload the page and try again.",
    )
