"""DKIM signing keys read from their PEM files, refused at start-up if they cannot sign."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from bulletin.domain.errors import ConfigurationError
from bulletin.mail.dkim.algorithms import ED25519, RSA

MIN_RSA_BITS = 2048  # RFC 8301: verifiers may refuse less; Gmail treats less as unsigned
# d= and s= go into a header as they are: dotted labels of letters, digits and hyphens.
_NAME = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)
_PADDING = padding.PKCS1v15()
_SHA256 = hashes.SHA256()

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@dataclass(frozen=True)
class SigningKey:
    """One private key and the algorithm it signs with (the key never shows in a repr)."""

    algorithm: str
    private: PrivateKey = field(repr=False)

    def sign(self, data: bytes) -> bytes:
        """The raw signature of the canonical header data (RFC 6376 3.7, RFC 8463 3)."""
        if isinstance(self.private, rsa.RSAPrivateKey):
            return self.private.sign(data, _PADDING, _SHA256)
        # Ed25519 signs the SHA-256 digest of the data, not the data (RFC 8463 3).
        return self.private.sign(hashlib.sha256(data).digest())

    @property
    def key_type(self) -> str:
        """The record's k=: rsa or ed25519."""
        return "rsa" if isinstance(self.private, rsa.RSAPrivateKey) else "ed25519"

    def public_bytes(self) -> bytes:
        """What the record's p= carries: DER SubjectPublicKeyInfo (RSA), the raw key (Ed25519)."""
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            return public.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def dns_record(self) -> str:
        """The TXT record to publish at SELECTOR._domainkey.DOMAIN for this key."""
        return f"v=DKIM1; k={self.key_type}; p={base64.b64encode(self.public_bytes()).decode()}"


def checked_name(value: str, *, variable: str) -> str:
    """A domain or selector fit for d= or s=, else a ConfigurationError naming the variable."""
    if not _NAME.match(value) or len(value) > 253:
        raise ConfigurationError(
            f"{variable} must be a DNS name (letters, digits, hyphens and dots), not {value!r}."
        )
    return value.lower()


def read_rsa_key(path: Path, *, variable: str) -> SigningKey:
    key = _read_private_key(path, variable=variable)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError(
            f"{variable}: {path} is not an RSA private key; make one with "
            "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`."
        )
    if key.key_size < MIN_RSA_BITS:
        raise ConfigurationError(
            f"{variable}: {path} is a {key.key_size}-bit RSA key; DKIM needs at least "
            f"{MIN_RSA_BITS} bits (receivers ignore shorter signatures)."
        )
    return SigningKey(RSA, key)


def read_ed25519_key(path: Path, *, variable: str) -> SigningKey:
    key = _read_private_key(path, variable=variable)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ConfigurationError(
            f"{variable}: {path} is not an Ed25519 private key; make one with "
            "`openssl genpkey -algorithm ed25519`."
        )
    return SigningKey(ED25519, key)


def _read_private_key(path: Path, *, variable: str) -> object:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(f"{variable}: {path} does not exist.") from None
    except PermissionError:
        raise ConfigurationError(
            f"{variable}: {path} cannot be read by this user (check its owner and mode)."
        ) from None
    except IsADirectoryError:
        raise ConfigurationError(f"{variable}: {path} is a directory, not a key file.") from None
    except OSError as exc:
        raise ConfigurationError(f"{variable}: {path} cannot be read ({exc.strerror}).") from None
    # The library's own messages are not repeated: they could quote the file.
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ConfigurationError(
            f"{variable}: {path} is protected by a passphrase; give Bulletin an unencrypted "
            "key file readable only by its user."
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigurationError(
            f"{variable}: {path} is not a PEM private key (it should begin with "
            "-----BEGIN PRIVATE KEY-----)."
        ) from None
