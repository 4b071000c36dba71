"""One-time messages carried across a post/redirect/get in the signed session.

A form that changes something answers with a 303 to the page the editor should see
next, after `flash()` has put the result in the session; that page shows it once
(`page()` takes them out), so a reload shows neither the message nor posts again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request
from starlette.responses import RedirectResponse

KEY = "flashes"
LIMIT = 5  # the session is a cookie: a page that is never visited must not let it grow
Kind = Literal["ok", "error"]


@dataclass(frozen=True)
class Flash:
    text: str
    kind: Kind = "ok"


def flash(request: Request, text: str, *, kind: Kind = "ok") -> None:
    pending = list(request.session.get(KEY, []))[-(LIMIT - 1) :]
    pending.append([kind, text])
    request.session[KEY] = pending


def take(request: Request) -> list[Flash]:
    """The messages waiting for this page, once; a session without any is not touched."""
    if KEY not in request.scope.get("session", {}):
        return []
    pending = request.session.pop(KEY, [])
    return [Flash(str(text), "error" if kind == "error" else "ok") for kind, text in pending]


def redirect(request: Request, to: str, text: str, *, kind: Kind = "ok") -> RedirectResponse:
    """Flash `text` and send the browser to `to` (one of our own paths) with a GET."""
    flash(request, text, kind=kind)
    return RedirectResponse(to, status_code=303)
