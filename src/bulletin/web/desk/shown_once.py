"""A secret made on a POST, carried to the one page view after its redirect that shows it.

It rides in the session sealed (the session cookie is signed, not encrypted: a cookie
copied from a browser or a log must not show an API key or a webhook secret), tied to
the row it belongs to, and is taken out by the page that shows it: a reload shows it no
more and makes nothing twice. It is never stored server-side in the clear.
"""

from __future__ import annotations

from starlette.requests import Request

from bulletin.services import sealing
from bulletin.services.context import Context

SEALED_FOR = b"bulletin secret shown once v1"
SHOWN_WITHIN_S = 300  # the redirect follows at once; a stale cookie shows nothing


def carry(request: Request, ctx: Context, slot: str, row_id: int, secret: str) -> None:
    sealed = sealing.seal(ctx.settings.secret_key, SEALED_FOR, secret, now=ctx.clock())
    request.session[slot] = [row_id, sealed]


def take(request: Request, ctx: Context, slot: str) -> tuple[int, str] | None:
    """The row id and secret carried in `slot`, once; None when absent, stale or forged."""
    made = request.session.pop(slot, None)
    if not isinstance(made, list) or len(made) != 2 or not isinstance(made[0], int):
        return None
    try:
        secret = sealing.open_sealed(
            ctx.settings.secret_key,
            SEALED_FOR,
            str(made[1]),
            max_age_s=SHOWN_WITHIN_S,
            now=ctx.clock(),
        )
    except sealing.InvalidToken:
        return None
    return made[0], secret
