"""CSRF protection: a per-session secret that every state-changing form must echo back."""

from __future__ import annotations

import hmac
import secrets

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
