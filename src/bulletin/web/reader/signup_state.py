"""What this browser signed up for, kept in its signed session for the check-your-inbox page.

The page names the address and offers "Send it again" only from this state: it is
written by the sign-up form's own successful post and signed with the secret key, so
nobody can make the page name an address they did not type into it themselves (no
query parameter names one). The page's answers depend only on this state and the
limits the sign-up form already has, never on whether the address is a reader, so it
tells the person nothing about an address that the form did not already tell them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.requests import Request

from bulletin.domain.topics import is_iana_zone
from bulletin.services import sealing

KEY = "signup"
# The framed form keeps no session: its check-your-inbox address carries the same state,
# sealed (encrypted, so the address is not in the clear in any log), as `?s=`.
EMBED_PURPOSE = b"bulletin embed sign-up v1"
MAX_SEALED = 2000


@dataclass(frozen=True)
class SignUpState:
    """The last sign-up this browser made: the address as typed, the lists, and when."""

    email: str
    lists: tuple[str, ...]
    time_zone: str | None
    at: datetime

    def next_try(self, resend_s: int) -> datetime:
        """When "Send it again" may send: no sooner than the confirmation resend limit."""
        return self.at + timedelta(seconds=resend_s)


def remember(request: Request, state: SignUpState) -> None:
    """Keep a sign-up the service accepted (so its address and lists are valid ones)."""
    zone = state.time_zone
    request.session[KEY] = {
        "email": state.email,
        "lists": list(state.lists),
        # The browser's report, kept only when it is a real zone (the cookie stays small).
        "time_zone": zone if zone and len(zone) <= 64 and is_iana_zone(zone) else None,
        "at": state.at.isoformat(),
    }


def sealed(secret_key: str, state: SignUpState) -> str:
    """The state for the framed page's address: only a sign-up the service accepted."""
    data = json.dumps(
        {"email": state.email, "lists": list(state.lists), "at": state.at.isoformat()}
    )
    return sealing.seal(secret_key, EMBED_PURPOSE, data, now=state.at)


def unsealed(secret_key: str, token: str, *, now: datetime, max_age_s: int) -> SignUpState | None:
    """The framed page's state, or None: not sealed by us, mangled, or past `max_age_s`."""
    if len(token) > MAX_SEALED:
        return None
    try:
        kept = json.loads(
            sealing.open_sealed(secret_key, EMBED_PURPOSE, token, max_age_s=max_age_s, now=now)
        )
        at = datetime.fromisoformat(str(kept["at"]))
        lists = tuple(str(slug) for slug in kept["lists"])
        email = str(kept["email"])
    except (sealing.InvalidToken, KeyError, TypeError, ValueError):
        return None
    if at.tzinfo is None or not email or not lists:
        return None
    return SignUpState(email=email, lists=lists, time_zone=None, at=at)


def recall(request: Request, *, now: datetime, max_age_s: int) -> SignUpState | None:
    """This browser's sign-up, or None (none made, or a session from an older version).

    A sign-up older than `max_age_s` (its confirmation link's life) is forgotten, so the
    cookie does not carry the address for longer than the page has any use for it."""
    found = _read(request)
    if found is not None and now - found.at > timedelta(seconds=max_age_s):
        request.session.pop(KEY, None)
        return None
    return found


def _read(request: Request) -> SignUpState | None:
    kept = request.session.get(KEY)
    if not isinstance(kept, dict):
        return None
    try:
        at = datetime.fromisoformat(str(kept["at"]))
        lists = tuple(str(slug) for slug in kept["lists"])
        email = str(kept["email"])
    except (KeyError, TypeError, ValueError):
        return None
    if at.tzinfo is None or not email or not lists:
        return None
    zone = kept.get("time_zone")
    zone = zone if isinstance(zone, str) and is_iana_zone(zone) else None
    return SignUpState(email=email, lists=lists, time_zone=zone, at=at)


def when_in_words(when: datetime, *, now: datetime, time_zone: str | None) -> str:
    """`when` as a person reads it: "at 14:25 (Europe/Berlin time), in 7 minutes"."""
    if time_zone:
        clock = f"{when.astimezone(ZoneInfo(time_zone)):%H:%M} ({time_zone} time)"
    else:
        clock = f"{when.astimezone(UTC):%H:%M} UTC"
    minutes = max(1, math.ceil((when - now).total_seconds() / 60))
    wait = "a minute" if minutes == 1 else f"{minutes} minutes"
    return f"at {clock}, in {wait}"
