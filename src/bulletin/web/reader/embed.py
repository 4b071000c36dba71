"""The sign-up form for article pages: framed by the newsroom's own sites, no cookies needed.

See `web.csrf` for why this form is protected by Origin and a signed form token
rather than the session's CSRF token.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from bulletin.services.campaigns import dashboard as desk
from bulletin.services.context import Context
from bulletin.web import csrf
from bulletin.web.deps import ContextDep, text, texts
from bulletin.web.pages import page
from bulletin.web.reader import signup_state
from bulletin.web.reader.signing_up import submit

router = APIRouter(prefix="/embed")

FORM_TOKEN = "form_token"


@router.get("", response_class=HTMLResponse)
def embed_form(request: Request, ctx: ContextDep) -> Response:
    return _form(request, ctx, chosen=[], email="")


@router.post("/subscribe", response_class=HTMLResponse)
async def embed_subscribe(request: Request, ctx: ContextDep) -> Response:
    form = await request.form()
    csrf.verify_embed_post(
        request,
        form.get(FORM_TOKEN),
        secret_key=ctx.settings.secret_key,
        origin=ctx.settings.origin,
    )

    def reshow(message: str) -> Response:
        chosen, email = texts(form, "lists"), text(form, "email")
        return _form(request, ctx, chosen=chosen, email=email, error=message, status_code=422)

    def done(state: signup_state.SignUpState) -> str:
        return "/embed/check-inbox?" + urlencode(
            {"s": signup_state.sealed(ctx.settings.secret_key, state)}
        )

    return submit(request, ctx, form, method="embed_form", done=done, reshow=reshow)


@router.get("/check-inbox", response_class=HTMLResponse)
def embed_check_inbox(request: Request, ctx: ContextDep, s: str = "") -> Response:
    # The framed page keeps no session: the address it names comes sealed in `s`, written
    # by the form's own accepted post, so no link can make it name any other address.
    now = ctx.clock()
    state = signup_state.unsealed(
        ctx.settings.secret_key, s, now=now, max_age_s=ctx.settings.confirm_max_age_s
    )
    again = state.next_try(ctx.settings.confirm_resend_s) if state else None
    return page(
        request,
        "reader/embed_check_inbox.html",
        session_csrf=False,
        state=state,
        again=signup_state.when_in_words(again, now=now, time_zone=None)
        if again and again > now
        else None,
        resend_minutes=max(1, ctx.settings.confirm_resend_s // 60),
    )


def _form(
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
        "reader/embed.html",
        status_code=status_code,
        session_csrf=False,
        lists=desk.all_lists(ctx),
        chosen=chosen,
        email=email,
        error=error,
        form_token=csrf.embed_form_token(ctx.settings.secret_key),
        form_started=request.app.state.form_guard.started(),
    )
