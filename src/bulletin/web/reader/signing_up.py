"""The sign-up forms' shared path: screen the form, sign up within the limits, or say why not."""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bulletin import metrics
from bulletin.domain.errors import InvalidInput, TooManyRequests
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.web.deps import requester, text, texts
from bulletin.web.pages import page
from bulletin.web.reader import signup_state


def submit(
    request: Request,
    ctx: Context,
    form: FormData,
    *,
    method: str,
    done: str | Callable[[signup_state.SignUpState], str],
    reshow: Callable[[str], Response],
    remember: bool = False,
) -> Response:
    """Sign up from a posted form and go to `done`; `reshow(message)` the form if it cannot be.

    With `remember` (our own page, not the framed one, which keeps no session) the
    browser's session keeps what it signed up for, for the check-your-inbox page."""
    problem = request.app.state.form_guard.problem(form)
    if problem is not None:
        metrics.signup("screened")
        return reshow(problem)
    state = signup_state.SignUpState(
        email=text(form, "email").strip(),
        lists=tuple(dict.fromkeys(texts(form, "lists"))),
        time_zone=text(form, "time_zone") or None,
        at=ctx.clock(),
    )
    try:
        subscriptions.sign_up(
            ctx,
            email=state.email,
            list_slugs=list(state.lists),
            time_zone=state.time_zone,
            topics=texts(form, "topics"),
            requester=requester(request, method),
            limits=request.app.state.signup_limits,
        )
    except InvalidInput as exc:
        metrics.signup("refused")
        return reshow(str(exc))
    except TooManyRequests as exc:
        metrics.signup("limited")
        return try_later(request, exc, embedded=method == "embed_form")
    metrics.signup("accepted")
    if remember:
        signup_state.remember(request, state)
    # A fixed target, never one taken from the request: no open redirect.
    return RedirectResponse(done(state) if callable(done) else done, status_code=303)


def try_later(request: Request, exc: TooManyRequests, *, embedded: bool) -> Response:
    """A polite refusal: what happened, when to come back (429 with Retry-After)."""
    response = page(
        request,
        "reader/try_later.html",
        status_code=429,
        session_csrf=not embedded,
        embedded=embedded,
        message=str(exc),
    )
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response
