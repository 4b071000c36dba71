"""Telling a sign-up form filled in by a person from one posted by a script.

Two cheap signs, neither a secret: a honeypot field that people never see (hidden by
the stylesheet, not `type=hidden`, so form-filling scripts fill it in), and a signed
time at which the form was served, so a form sent back within a second (by default) — faster than
anyone types an address — is refused. Both refusals show the form again with a
fresh time and a message, so a person caught by mistake only has to press the button
again: nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import FormData

HONEYPOT = "website"
STARTED = "form_started"
MAX_AGE_S = 24 * 3600
SKEW_S = 5.0  # clocks of several web processes differ a little
_SALT = "bulletin.signup-form-started.v1"

TOO_FAST = "That was quicker than we expected from a person. Please press Sign up again."
EXPIRED = "This form is out of date. Please press Sign up again."
HONEYPOT_FILLED = (
    "Something filled in a field that people do not see, so this looked like a robot. "
    "Please check your address and press Sign up again."
)


class FormGuard:
    """Issues and checks the signed start time of sign-up forms, by an injected clock."""

    def __init__(
        self, secret_key: str, *, min_fill_s: float, clock: Callable[[], datetime]
    ) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt=_SALT)
        self._min_fill_s = min_fill_s
        self._clock = clock

    def started(self) -> str:
        """The value of the form's hidden start-time field: now, signed."""
        return str(self._serializer.dumps(self._clock().timestamp()))

    def problem(self, form: FormData) -> str | None:
        """Why this submission does not look like a person's, or None if it does."""
        if form.get(HONEYPOT):
            return HONEYPOT_FILLED
        issued = self._issued(form.get(STARTED))
        if issued is None:
            return EXPIRED
        age = self._clock().timestamp() - issued
        if age > MAX_AGE_S or age < -SKEW_S:  # a time from the future was not ours
            return EXPIRED
        if age < self._min_fill_s:
            return TOO_FAST
        return None

    def _issued(self, token: object) -> float | None:
        if not isinstance(token, str):
            return None
        try:
            value = self._serializer.loads(token)
        except BadSignature:
            return None
        return float(value) if isinstance(value, int | float) else None
