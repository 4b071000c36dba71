"""The second step of an irreversible desk action: a page that asks before it acts.

The first post (no `confirmed` field) only renders the question; the page posts the
same fields again with `confirmed=yes`, so the step works without JavaScript and a
stray click or a reloaded page never approves or cancels anything.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bulletin.web.pages import page

CONFIRMED = "yes"


def confirmed(form: FormData) -> bool:
    """Whether this post is the answer to the question, not the first click."""
    return form.get("confirmed") == CONFIRMED


def ask(
    request: Request,
    *,
    question: str,
    consequence: str,
    action: str,
    fields: Mapping[str, str] | None = None,
    yes: str,
    back: str,
) -> HTMLResponse:
    """The question page: `yes` posts `fields` to `action` again, confirmed; `back` keeps it."""
    return page(
        request,
        "desk/confirm.html",
        question=question,
        consequence=consequence,
        action=action,
        fields=dict(fields or {}),
        yes=yes,
        back=back,
        confirmed_value=CONFIRMED,
    )
