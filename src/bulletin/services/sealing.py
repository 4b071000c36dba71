"""Values sealed under BULLETIN_SECRET_KEY: encrypted and authenticated, one key per purpose.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under a key HKDF derives from
the secret key and a purpose, so a value sealed for one use (a TOTP secret, a relay
password, a key shown once) never opens as another, and a copy of the database or a
cookie without the secret key shows nothing.
"""

from __future__ import annotations

import base64
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["InvalidToken", "fernet_for", "open_sealed", "seal"]


def fernet_for(secret_key: str, purpose: bytes) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret_key: str, purpose: bytes, text: str, *, now: datetime | None = None) -> str:
    fernet = fernet_for(secret_key, purpose)
    if now is None:
        return fernet.encrypt(text.encode()).decode("ascii")
    return fernet.encrypt_at_time(text.encode(), int(now.timestamp())).decode("ascii")


def open_sealed(
    secret_key: str,
    purpose: bytes,
    token: str,
    *,
    max_age_s: int | None = None,
    now: datetime | None = None,
) -> str:
    """The sealed text; InvalidToken when it was not sealed so, or is older than max_age_s
    at `now` (the caller's clock, so expiry can be tested)."""
    fernet = fernet_for(secret_key, purpose)
    try:
        data = token.encode("ascii")
        if max_age_s is None or now is None:
            return fernet.decrypt(data, ttl=max_age_s).decode()
        return fernet.decrypt_at_time(data, max_age_s, int(now.timestamp())).decode()
    except ValueError:  # not ASCII, not base64
        raise InvalidToken from None
