"""DKIM in tests: keys written to PEM files, settings that sign with them, and dkimpy.

dkimpy is the independent verifier: its DNS lookup is pointed at the test's own
public keys, so a signature that verifies here would verify at a receiver that
found the same records.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from bulletin.config import Settings
from bulletin.mail.dkim.keys import SigningKey, read_ed25519_key, read_rsa_key

DOMAIN = "news.example.com"
SELECTOR = "bulletin2026"
_ALGORITHM = re.compile(rb"\ba=([a-z0-9-]+)")


@cache
def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    """One key per size for the whole run: making a 2048-bit key takes a tenth of a second."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@cache
def ed25519_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def write_pem(path: Path, key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return path


@dataclass(frozen=True)
class KeyFiles:
    rsa: Path
    ed25519: Path

    def settings(self, settings: Settings, *, ed25519: bool = True) -> Settings:
        """`settings` signing as DOMAIN with SELECTOR (and the Ed25519 key, if asked)."""
        return settings.replace(
            dkim_domain=DOMAIN,
            dkim_selector=SELECTOR,
            dkim_key_file=self.rsa,
            dkim_ed25519_key_file=self.ed25519 if ed25519 else None,
        )

    def records(self) -> dict[str, str]:
        """The TXT records a newsroom would publish for these keys."""
        return {
            f"{SELECTOR}._domainkey.{DOMAIN}.": read_rsa_key(self.rsa, variable="k").dns_record(),
            f"{SELECTOR}-ed25519._domainkey.{DOMAIN}.": read_ed25519_key(
                self.ed25519, variable="k"
            ).dns_record(),
        }


def key_files(directory: Path) -> KeyFiles:
    directory.mkdir(parents=True, exist_ok=True)
    return KeyFiles(
        rsa=write_pem(directory / "dkim-rsa.pem", rsa_key()),
        ed25519=write_pem(directory / "dkim-ed25519.pem", ed25519_key()),
    )


def signing_keys() -> list[SigningKey]:
    return [SigningKey("rsa-sha256", rsa_key()), SigningKey("ed25519-sha256", ed25519_key())]


def records_for(keys: list[SigningKey]) -> dict[str, str]:
    names = {"rsa-sha256": SELECTOR, "ed25519-sha256": f"{SELECTOR}-ed25519"}
    return {f"{names[k.algorithm]}._domainkey.{DOMAIN}.": k.dns_record() for k in keys}


def verified(message: bytes, records: dict[str, str]) -> dict[str, bool]:
    """dkimpy's verdict on each DKIM-Signature of the message, by algorithm (a=)."""

    def dns(name: bytes | str, timeout: int = 5) -> bytes:
        found = records.get(name.decode() if isinstance(name, bytes) else name)
        return found.encode() if found else b""

    checker = dkim.DKIM(message)
    fields = [value for name, value in checker.headers if name.lower() == b"dkim-signature"]
    verdicts = {}
    for index, value in enumerate(fields):
        algorithm = _ALGORITHM.search(value)
        assert algorithm, f"a DKIM-Signature without a=: {value!r}"
        verdicts[algorithm.group(1).decode()] = _verifies(message, index, dns)
    return verdicts


def _verifies(message: bytes, index: int, dns: Callable[..., bytes]) -> bool:
    try:
        return bool(dkim.DKIM(message).verify(idx=index, dnsfunc=dns))
    except dkim.DKIMException:  # e.g. "body hash mismatch": a verdict, not a crash
        return False


BOTH = {"rsa-sha256": True, "ed25519-sha256": True}
