"""Signed, purpose-bound, expiring tokens for the links in our emails.

Each purpose has its own salt, so a confirm token can never be used to unsubscribe
(or the reverse) even though both are signed with the same secret. Tokens are
capabilities: they are never logged and never stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from bulletin.domain.errors import TokenExpired, TokenInvalid

CONFIRM_SALT = "bulletin.confirm.v1"
UNSUBSCRIBE_SALT = "bulletin.unsubscribe.v1"
PREFERENCES_SALT = "bulletin.preferences.v1"


@dataclass(frozen=True)
class ConfirmClaim:
    subscriber_id: int
    address_hash: str


@dataclass(frozen=True)
class PreferencesClaim:
    """A preference-centre link: the reader, and a fingerprint of the address it was sent to."""

    subscriber_id: int
    address_hash: str


@dataclass(frozen=True)
class UnsubscribeClaim:
    subscriber_id: int
    list_id: int


def address_hash(email: str) -> str:
    """A short fingerprint of the address, so a token names it without revealing it."""
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def _signer_on(clock: Callable[[], datetime]) -> type[TimestampSigner]:
    """A signer that reads the time from our clock, so expiry follows the same time as the rest."""

    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock().timestamp())

    return ClockSigner


class Tokens:
    def __init__(
        self, secret_key: str, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        signer = _signer_on(clock)
        self._confirm = URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT, signer=signer)
        self._unsubscribe = URLSafeTimedSerializer(secret_key, salt=UNSUBSCRIBE_SALT, signer=signer)
        # Preference links are signed "subscriber.address-fingerprint" strings: no JSON,
        # since one is made for every reader of every send (the same shape as main's
        # compact unsubscribe links).
        self._preferences = signer(secret_key, salt=PREFERENCES_SALT)

    def confirm(self, subscriber_id: int, email: str) -> str:
        return str(self._confirm.dumps([subscriber_id, address_hash(email)]))

    def unsubscribe(self, subscriber_id: int, list_id: int) -> str:
        return str(self._unsubscribe.dumps([subscriber_id, list_id]))

    def preferences(self, subscriber_id: int, email: str) -> str:
        return self._preferences.sign(f"{subscriber_id}.{address_hash(email)}").decode()

    def read_confirm(self, token: str, *, max_age_s: int) -> ConfirmClaim:
        subscriber_id, digest = _load(
            self._confirm, token, max_age_s=max_age_s, kind="confirmation"
        )
        if not isinstance(subscriber_id, int) or not isinstance(digest, str):
            raise TokenInvalid("This confirmation link is not valid.")
        return ConfirmClaim(subscriber_id, digest)

    def read_unsubscribe(self, token: str, *, max_age_s: int) -> UnsubscribeClaim:
        subscriber_id, list_id = _load(
            self._unsubscribe, token, max_age_s=max_age_s, kind="unsubscribe"
        )
        if not isinstance(subscriber_id, int) or not isinstance(list_id, int):
            raise TokenInvalid("This unsubscribe link is not valid.")
        return UnsubscribeClaim(subscriber_id, list_id)

    def read_preferences(self, token: str, *, max_age_s: int) -> PreferencesClaim:
        try:
            payload = self._preferences.unsign(token, max_age=max_age_s).decode()
        except SignatureExpired as exc:
            raise TokenExpired("This preferences link has expired.") from exc
        except BadSignature as exc:
            raise TokenInvalid(
                "This preferences link is not valid. It may have been cut short or altered."
            ) from exc
        subscriber, _, digest = payload.partition(".")
        if not subscriber.isdigit() or len(digest) != 16:
            raise TokenInvalid("This preferences link is not valid.")
        return PreferencesClaim(int(subscriber), digest)


def _load(serializer: URLSafeTimedSerializer, token: str, *, max_age_s: int, kind: str) -> list:
    try:
        payload = serializer.loads(token, max_age=max_age_s)
    except SignatureExpired as exc:
        raise TokenExpired(f"This {kind} link has expired.") from exc
    except BadSignature as exc:
        raise TokenInvalid(
            f"This {kind} link is not valid. It may have been cut short or altered."
        ) from exc
    if not isinstance(payload, list) or len(payload) != 2:
        raise TokenInvalid(f"This {kind} link is not valid.")
    return payload
