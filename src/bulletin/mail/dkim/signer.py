"""Signing messages with DKIM: a message in full, or a campaign's template once per reader.

A campaign's message is a template with each reader's values filled into slots (see
`mail.skeleton`). `Signer.prepare` does everything about the template once: it picks
the header fields to sign, canonicalises them and the body (slot values hold no
whitespace or line breaks, so canonicalising the template then filling it equals
canonicalising the filled message), hashes the body up to its first slot, and builds
the DKIM-Signature fields around the two values that differ per reader (bh= and b=).
Per reader, `Prepared.headers` then fills two templates, copies a hash object, hashes
the rest of the body and makes the signature: everything but the signature itself is a
few microseconds. `Signer.sign` signs a whole message the same way, with no slots.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from bulletin.mail.dkim.algorithms import RSA
from bulletin.mail.dkim.canon import header_fields, relaxed_body, relaxed_header

if TYPE_CHECKING:
    from bulletin.mail.dkim.keys import SigningKey

Fill = Callable[[Sequence[bytes]], bytes]

# The fields signed where present (RFC 6376 5.4.1; RFC 8058 4 requires the two
# unsubscribe fields). The over-signed ones are listed once more than they appear, so
# a copy of one added on the way (a second From or List-Unsubscribe) breaks the signature.
SIGNED = (
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "list-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "feedback-id",
    "auto-submitted",
)
OVER_SIGNED = frozenset(
    {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "list-id",
        "list-unsubscribe",
        "list-unsubscribe-post",
    }
)
# The Ed25519 key's record is SELECTOR-ed25519._domainkey.DOMAIN, beside the RSA one.
ED25519_SUFFIX = "-ed25519"
_BH = b"bltnslotbodyhashx9q"
_LINE = 74  # folded DKIM-Signature lines stay under 78 octets


class Slots(Protocol):
    """How a template marks its slots: `mail.skeleton` gives its own; `NO_SLOTS` has none."""

    def filler(self, data: bytes) -> Fill:
        """A function of the slot values giving `data` with them filled in."""
        ...

    def first(self, data: bytes) -> int:
        """Where `data`'s first slot starts (its length if it has none)."""
        ...


class _NoSlots:
    def filler(self, data: bytes) -> Fill:
        return lambda _values: data

    def first(self, data: bytes) -> int:
        return len(data)


NO_SLOTS: Slots = _NoSlots()


class Signer:
    """Signs as `domain` (d=) with `selector` (s=), one signature per key (RSA first).

    Keys and records: the RSA key's public half is published at
    SELECTOR._domainkey.DOMAIN, the Ed25519 key's at SELECTOR-ed25519._domainkey.DOMAIN.
    """

    def __init__(self, domain: str, selector: str, keys: Sequence[SigningKey]) -> None:
        self.domain = domain
        self.selector = selector
        self.keys = tuple(keys)

    def __repr__(self) -> str:
        algorithms = ", ".join(key.algorithm for key in self.keys)
        return f"Signer(d={self.domain}, s={self.selector}, {algorithms})"

    def selector_for(self, key: SigningKey) -> str:
        """s= of a key: one selector has one record, so the Ed25519 key has a sibling's."""
        return self.selector if key.algorithm == RSA else f"{self.selector}{ED25519_SUFFIX}"

    def sign(self, message: bytes, *, at: int) -> bytes:
        """The message with its DKIM-Signature fields on top; `at` is t= (Unix seconds)."""
        return self.prepare(message, NO_SLOTS, at=at).headers(()) + message

    def prepare(self, template: bytes, slots: Slots, *, at: int) -> Prepared:
        return Prepared(self, template, slots, at=at)


class Prepared:
    """A template's signing work done once; `headers(values)` signs one filled copy."""

    def __init__(self, signer: Signer, template: bytes, slots: Slots, *, at: int) -> None:
        head, _, body = template.partition(b"\r\n\r\n")
        names, canonical_head = _signed_head(header_fields(head + b"\r\n"))
        self._head = slots.filler(canonical_head)
        canonical_body = relaxed_body(body)
        cut = slots.first(canonical_body)
        self._body_hash = hashlib.sha256(canonical_body[:cut])
        self._body_rest = slots.filler(canonical_body[cut:])
        self._signatures = [_signature_parts(signer, key, names, at=at) for key in signer.keys]

    def headers(self, values: Sequence[bytes]) -> bytes:
        """The DKIM-Signature fields of the template filled with `values`."""
        body_hash = self._body_hash.copy()
        body_hash.update(self._body_rest(values))
        bh = base64.b64encode(body_hash.digest())
        head = self._head(values)
        fields = []
        for key, canonical_pre, canonical_post, field_pre, field_mid in self._signatures:
            signature = base64.b64encode(key.sign(head + canonical_pre + bh + canonical_post))
            fields.append(field_pre + bh + field_mid + _folded(signature) + b"\r\n")
        return b"".join(fields)


def _signed_head(fields: list[tuple[bytes, bytes]]) -> tuple[list[str], bytes]:
    """The h= names and the canonical header data they stand for (RFC 6376 5.4.2: several
    fields of one name are signed from the bottom up)."""
    names: list[str] = []
    canonical: list[bytes] = []
    for name in SIGNED:
        found = [raw for field_name, raw in fields if field_name == name.encode()]
        names += [name] * (len(found) + (name in OVER_SIGNED and bool(found)))
        canonical += [relaxed_header(raw) for raw in reversed(found)]
    return names, b"".join(canonical)


def _signature_parts(
    signer: Signer, key: SigningKey, names: list[str], *, at: int
) -> tuple[SigningKey, bytes, bytes, bytes, bytes]:
    """The key, the canonical DKIM-Signature around bh=, and the field as sent around it."""
    field_pre = (
        f"DKIM-Signature: v=1; a={key.algorithm}; c=relaxed/relaxed; d={signer.domain};"
        f"\r\n s={signer.selector_for(key)}; t={at};\r\n h={_folded_names(names)};\r\n bh="
    ).encode()
    field_mid = b";\r\n b="
    canonical = relaxed_header(field_pre + _BH + field_mid)[:-2]  # signed without its CRLF
    canonical_pre, canonical_post = canonical.split(_BH)
    return key, canonical_pre, canonical_post, field_pre, field_mid


def _folded_names(names: list[str]) -> str:
    lines, line = [], ""
    for name in names:
        if line and len(line) + len(name) + 4 > _LINE:
            lines.append(line)
            line = ""
        line += (":" if line else "") + name
    return ":\r\n   ".join([*lines, line])


def _folded(signature: bytes) -> bytes:
    return b"\r\n   ".join(signature[i : i + _LINE] for i in range(0, len(signature), _LINE))
