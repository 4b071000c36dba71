"""Reader pages: thin handlers that bind the form, call a use case, render the answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from bulletin.domain.errors import InvalidInput, TokenError, TooManyRequests
from bulletin.domain.topics import TOPICS
from bulletin.services.campaigns import dashboard as desk
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.web import csrf, flash
from bulletin.web.deps import ContextDep, FormDep, requester, text, texts
from bulletin.web.pages import page
from bulletin.web.reader import signup_state
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

    return submit(
        request, ctx, form, method="web_form", done="/check-inbox", reshow=reshow, remember=True
    )


@router.get("/check-inbox", response_class=HTMLResponse)
def check_inbox(request: Request, ctx: ContextDep) -> Response:
    now = ctx.clock()
    state = signup_state.recall(request, now=now, max_age_s=ctx.settings.confirm_max_age_s)
    again = state.next_try(ctx.settings.confirm_resend_s) if state else None
    return page(
        request,
        "reader/check_inbox.html",
        state=state,
        again=_when(state, again, now=now) if state and again and again > now else None,
        resend_minutes=max(1, ctx.settings.confirm_resend_s // 60),
    )


@router.post("/check-inbox/resend")
def resend_confirmation(request: Request, ctx: ContextDep, form: FormDep) -> Response:
    """ "Send it again" for this browser's own sign-up, within the sign-up form's limits."""
    now = ctx.clock()
    state = signup_state.recall(request, now=now, max_age_s=ctx.settings.confirm_max_age_s)
    if state is None:
        message = "Your sign-up was not found in this browser: please sign up again."
        return flash.redirect(request, "/", message, kind="error")
    again = state.next_try(ctx.settings.confirm_resend_s)
    if now < again:
        minutes = max(1, ctx.settings.confirm_resend_s // 60)
        message = (
            f"Not sent again yet: we send at most one confirmation every {minutes} minutes, "
            f"so that nobody can fill an inbox with them. You can ask again "
            f"{_when(state, again, now=now)}."
        )
        return flash.redirect(request, "/check-inbox", message, kind="error")
    try:
        subscriptions.sign_up(
            ctx,
            email=state.email,
            list_slugs=list(state.lists),
            time_zone=state.time_zone,
            requester=requester(request, "web_form"),
            limits=request.app.state.signup_limits,
        )
    except TooManyRequests as exc:
        later = now + timedelta(seconds=exc.retry_after_s)
        message = f"Not sent again: {exc} That is {_when(state, later, now=now)}."
        return flash.redirect(request, "/check-inbox", message, kind="error")
    except InvalidInput as exc:
        return flash.redirect(request, "/", f"{exc} Please sign up again.", kind="error")
    signup_state.remember(request, replace(state, at=now))
    return flash.redirect(request, "/check-inbox", f"Sent again to {state.email}.")


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


def _when(state: signup_state.SignUpState, when: datetime, *, now: datetime) -> str:
    return signup_state.when_in_words(when, now=now, time_zone=state.time_zone)


def _link_error(request: Request, exc: TokenError) -> Response:
    return page(request, "reader/link_error.html", status_code=400, message=str(exc))


def _forbidden(request: Request) -> Response:
    return page(
        request,
        "reader/link_error.html",
        status_code=403,
        message="This form has expired. Please go back, reload the page and try again.",
    )
