"""Desk values that hold passwords, encrypted with a key derived from BULLETIN_SECRET_KEY.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under a key HKDF derives
from the secret key for this one purpose. A database copied without the secret key
shows no relay password; changing the secret key makes stored ones unreadable, and
the desk then says so and asks for them again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bulletin.domain.errors import ConfigurationError
from bulletin.store.desk_settings import Stored

log = logging.getLogger(__name__)

PURPOSE = b"bulletin desk settings v1"


# cryptography (about 7 MB) is loaded when a stored secret is sealed or opened, so a
# worker whose desk holds none never loads it.


def seal(secret_key: str, text: str) -> str:
    from bulletin.services import sealing

    return sealing.seal(secret_key, PURPOSE, text)


def unseal(secret_key: str, token: str) -> str:
    from bulletin.services import sealing

    try:
        return sealing.open_sealed(secret_key, PURPOSE, token)
    except sealing.InvalidToken:
        raise ConfigurationError(
            "A relay setting stored on the desk cannot be read with this BULLETIN_SECRET_KEY "
            "(was it changed?): enter the relays again on the settings page."
        ) from None


def opened(secret_key: str, found: Mapping[str, Stored]) -> dict[str, str]:
    """The desk's values in clear; a secret that no longer opens is left out (logged),
    so the others still apply and the desk asks for it again."""
    values = {}
    for name, row in found.items():
        try:
            values[name] = unseal(secret_key, row.value) if row.secret else row.value
        except ConfigurationError as exc:
            log.error("%s (setting %s)", exc, name)
    return values
