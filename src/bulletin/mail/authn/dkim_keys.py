"""DKIM public key records (RFC 6376 §3.6.1, RFC 8463) and the keys Bulletin signs with.

The record for a selector is a TXT record at `SELECTOR._domainkey.DOMAIN`:
`v=DKIM1; k=rsa; p=BASE64`, where p= is the DER SubjectPublicKeyInfo for RSA and the
raw 32-byte public key for Ed25519. The Ed25519 key's record sits beside the RSA
one, at the selector `SELECTOR-ed25519` (`ed25519_selector`): a name holds one key
record, since a receiver picks one of several at random.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from bulletin.domain.errors import ConfigurationError

RSA = "rsa"
ED25519 = "ed25519"


def record_name(selector: str, domain: str) -> str:
    return f"{selector}._domainkey.{domain.rstrip('.')}"


def ed25519_selector(selector: str) -> str:
    """The selector of the second, Ed25519 signature: the configured one's sibling."""
    return f"{selector}-{ED25519}"


@dataclass(frozen=True)
class PublicKey:
    """The public half of a signing key, as its DNS record carries it."""

    algorithm: str  # RSA or ED25519
    data: bytes
    bits: int

    @property
    def p(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    @property
    def record(self) -> str:
        return f"v=DKIM1; k={self.algorithm}; p={self.p}"


def public_key_of(path: Path, *, algorithm: str, setting: str) -> PublicKey:
    """The public key of the PEM private key in `path`; ConfigurationError says what is wrong."""
    pem = _read(path, setting)
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except TypeError as exc:
        raise ConfigurationError(
            f"{setting}: {path} is protected by a password; Bulletin needs the key "
            "unencrypted, in a file only its own user can read."
        ) from exc
    except ValueError as exc:
        raise ConfigurationError(f"{setting}: {path} is not a PEM private key ({exc}).") from exc
    if algorithm == RSA and isinstance(key, rsa.RSAPrivateKey):
        spki = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return PublicKey(RSA, spki, key.key_size)
    if algorithm == ED25519 and isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return PublicKey(ED25519, raw, 256)
    wanted = "an RSA" if algorithm == RSA else "an Ed25519"
    raise ConfigurationError(f"{setting}: {path} holds a key, but not {wanted} private key.")


def decode_p(value: str) -> bytes:
    """The bytes of a record's p= (whitespace allowed inside); ValueError if not base64."""
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"p= is not base64 ({exc})") from exc


def _read(path: Path, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{setting}: {path} does not exist.") from exc
    except PermissionError as exc:
        raise ConfigurationError(
            f"{setting}: {path} cannot be read by this user (check its owner and mode)."
        ) from exc
    except IsADirectoryError as exc:
        raise ConfigurationError(f"{setting}: {path} is a directory, not a key file.") from exc
    except OSError as exc:
        raise ConfigurationError(f"{setting}: {path} cannot be read ({exc.strerror}).") from exc
