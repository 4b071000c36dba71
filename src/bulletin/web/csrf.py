"""CSRF protection: a session token for our own forms; Origin and a signed token for the embed."""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request

SESSION_KEY = "csrf"
FIELD = "csrf_token"


class CsrfError(Exception):
    """A form came back without the token this session handed out."""


def token_for(request: Request) -> str:
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def verify(request: Request, submitted: object) -> None:
    expected = request.session.get(SESSION_KEY)
    if not isinstance(expected, str) or not isinstance(submitted, str):
        raise CsrfError("missing")
    if not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise CsrfError("mismatch")


# The embeddable sign-up form lives in an iframe on the newsroom's article pages,
# i.e. on another site. There the session cookie is useless: SameSite=Lax cookies are
# not sent in a cross-site frame, and browsers increasingly block third-party cookies
# altogether (SameSite=None would also need https and still fail in those browsers).
# So the embedded form is protected without any cookie:
#   1. the browser's Origin header on the POST must be our own origin. The form is
#      served by us, inside the frame, so a genuine submission comes from our origin;
#      a forged one from another site carries that site's origin and is refused;
#   2. the form carries a signed, expiring token, proving it was fetched from us.
# The worst a forged sign-up could do is ask a stranger to confirm (double opt-in),
# and confirmation requests to one address are rate limited besides.
EMBED_SALT = "bulletin.embed-form.v1"
EMBED_FORM_MAX_AGE_S = 4 * 3600


def embed_form_token(secret_key: str) -> str:
    return str(URLSafeTimedSerializer(secret_key, salt=EMBED_SALT).dumps("embed"))


def verify_embed_post(request: Request, submitted: object, *, secret_key: str, origin: str) -> None:
    """Refuse an embedded-form POST that is not from our own origin or carries no valid token.

    Browsers send `Origin: null` when the page's referrer policy is no-referrer, so an
    absent or null Origin is accepted only with `Sec-Fetch-Site: same-origin`, a header
    no page can set for itself.
    """
    sent_origin = request.headers.get("origin")
    if sent_origin in (None, "null"):
        if request.headers.get("sec-fetch-site") != "same-origin":
            raise CsrfError("no origin")
    elif sent_origin.rstrip("/") != origin:
        raise CsrfError("cross-origin")
    if not isinstance(submitted, str):
        raise CsrfError("missing")
    try:
        URLSafeTimedSerializer(secret_key, salt=EMBED_SALT).loads(
            submitted, max_age=EMBED_FORM_MAX_AGE_S
        )
    except BadSignature as exc:
        raise CsrfError("bad embed token") from exc
