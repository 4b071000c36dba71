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
from typing import cast

from cryptography.hazmat.primitives.asymmetric import rsa

from bulletin.mail.dkim.keys import read_ed25519_key, read_rsa_key

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
    """The public key of the PEM private key in `path`, read as the signer reads it
    (`mail.dkim.keys`), so the doctor refuses just what signing would."""
    if algorithm == RSA:
        key = read_rsa_key(path, variable=setting)
        bits = cast(rsa.RSAPrivateKey, key.private).key_size
    else:
        key = read_ed25519_key(path, variable=setting)
        bits = 256
    return PublicKey(algorithm, key.public_bytes(), bits)


def decode_p(value: str) -> bytes:
    """The bytes of a record's p= (whitespace allowed inside); ValueError if not base64."""
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"p= is not base64 ({exc})") from exc
