"""DKIM signing (RFC 6376, RFC 8463): keys, relaxed canonicalisation, and the signer.

`signer_for(settings)` is the one place a signer is made: None when DKIM is not set,
else a `Signer` with the RSA key and, where configured, the Ed25519 one. A key that
cannot sign is a `ConfigurationError` when the process starts, never mid-send.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bulletin.config import Settings
from bulletin.mail.dkim.signer import NO_SLOTS, Fill, Prepared, Signer, Slots

if TYPE_CHECKING:
    from bulletin.mail.dkim.keys import SigningKey

__all__ = ["NO_SLOTS", "Fill", "Prepared", "Signer", "SigningKey", "Slots", "signer_for"]


def signer_for(settings: Settings) -> Signer | None:
    """The signer the settings ask for (None: no DKIM), its keys read once per file version."""
    if not (settings.dkim_domain and settings.dkim_selector and settings.dkim_key_file):
        return None
    return _signer(
        settings.dkim_domain,
        settings.dkim_selector,
        _version(settings.dkim_key_file),
        _version(settings.dkim_ed25519_key_file) if settings.dkim_ed25519_key_file else None,
    )


FileVersion = tuple[Path, int]


def _version(path: Path) -> FileVersion:
    """The path and its modification time: a replaced key file is read again."""
    try:
        return path, path.stat().st_mtime_ns
    except OSError:
        return path, -1  # reading it says what is wrong


@lru_cache(maxsize=8)
def _signer(
    domain: str, selector: str, rsa_file: FileVersion, ed25519_file: FileVersion | None
) -> Signer:
    # cryptography (about 7 MB) is loaded only by a process that signs.
    from bulletin.mail.dkim.keys import checked_name, read_ed25519_key, read_rsa_key

    keys = [read_rsa_key(rsa_file[0], variable="BULLETIN_DKIM_KEY_FILE")]
    if ed25519_file is not None:
        keys.append(read_ed25519_key(ed25519_file[0], variable="BULLETIN_DKIM_ED25519_KEY_FILE"))
    return Signer(
        checked_name(domain, variable="BULLETIN_DKIM_DOMAIN"),
        checked_name(selector, variable="BULLETIN_DKIM_SELECTOR"),
        keys,
    )


def __getattr__(name: str) -> Any:
    if name == "SigningKey":
        from bulletin.mail.dkim.keys import SigningKey

        return SigningKey
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
