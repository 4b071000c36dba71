"""Rules for email addresses, a reader's identity, and text that goes into mail headers.

An address has two forms. The one the reader typed (validated, its domain in ASCII) is
the one we send to and show. Its *key* is the one we compare by: domain and local part
lower-cased, as every large mailbox provider treats them, so `Case.Test@Example.com`
and `case.test@example.com` are one reader. Suppressions keep only a keyed hash of the
key (`IdentityHasher`), so they can outlive the reader's erasure without keeping the
address.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from bulletin.domain.errors import ConfigurationError, InvalidAddress, UnsafeHeaderValue

_LINE_BREAKS = ("\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def normalise_address(raw: str) -> str:
    """Return the address a reader typed, checked and ready to send to, or raise InvalidAddress.

    The domain is lower-cased and kept in its ASCII (IDNA) form, the form that goes on
    the wire; the local part is kept as typed (RFC 5321 says it may be case-sensitive)
    apart from surrounding space. A local part with non-ASCII letters is refused: it
    needs SMTPUTF8, which our mail path does not speak, so we could never deliver to
    it. No DNS lookup: the form must answer at once, and a dead domain shows up as a
    bounce. Compare readers by `address_key`, never by this form.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidAddress("Please enter your email address.")
    if any(ch in text for ch in _LINE_BREAKS):
        raise InvalidAddress("That email address contains a line break.")
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InvalidAddress(f"That doesn't look like a valid email address: {exc}") from exc
    return str(result.ascii_email)


def address_key(address: str) -> str:
    """The canonical identity of an address: what two spellings of one mailbox share.

    The domain IDNA-encoded and lower-cased, the local part lower-cased. No
    provider-specific folding (Gmail's dots and `+tags`): those are different addresses
    to every other provider. Raises InvalidAddress as `normalise_address` does.
    """
    return key_of(normalise_address(address))


def key_of(email: str) -> str:
    """The key of an address `normalise_address` has already checked (no second check)."""
    # normalise_address leaves only ASCII, so lower() here is SQL's lower() too.
    return email.lower()


# Providers that deliver every dotted spelling of a local part to one mailbox, under
# the domain they are one with.
_DOTS_IGNORED = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox_key(key: str) -> str:
    """The mailbox an address key most likely reaches: its `+tag` folded, and its dots where
    the provider ignores them (`J.Doe+x@googlemail.com` → `jdoe@gmail.com`).

    Only for counting confirmation mail per mailbox (sign-up limits): it is a guess about
    one provider's delivery, never a reader's identity, so nothing stores or compares
    readers by it.
    """
    local, _, domain = key.lower().rpartition("@")
    untagged = local.split("+", 1)[0] or local  # a local part that is all tag keeps it
    if domain in _DOTS_IGNORED:
        return f"{untagged.replace('.', '') or untagged}@{_DOTS_IGNORED[domain]}"
    return f"{untagged}@{domain}"


def same_address(one: str, other: str) -> bool:
    """Whether two spellings are one address (False if either is not an address)."""
    try:
        return address_key(one) == address_key(other)
    except InvalidAddress:
        return False


@dataclass(frozen=True)
class Identity:
    """One address in its three forms: as typed (for sending), its key, the key's hash."""

    email: str
    key: str
    digest: str


class IdentityHasher:
    """Keyed hashes (HMAC-SHA256) of address keys, with a key that lives outside the database.

    A plain hash of an address is reversed by hashing a list of addresses; with a key
    kept apart from the data (`BULLETIN_SUPPRESSION_KEY`), a dump of the database alone
    says nothing about which addresses it suppresses.
    """

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def digest(self, key: str) -> str:
        """The keyed hash of an address key (64 hex digits)."""
        if not self._key:
            raise ConfigurationError(
                "BULLETIN_SUPPRESSION_KEY is not set: it is needed to compare addresses "
                "with the suppression list."
            )
        return hmac.new(self._key, key.encode(), hashlib.sha256).hexdigest()

    def identity(self, raw: str) -> Identity:
        """The address as typed, its key and the key's hash; raises InvalidAddress."""
        email = normalise_address(raw)
        key = key_of(email)
        return Identity(email=email, key=key, digest=self.digest(key))


def ensure_header_safe(value: str, *, field: str) -> str:
    """Refuse any value that would break out of its mail header line."""
    if any(ch in value for ch in _LINE_BREAKS):
        raise UnsafeHeaderValue(
            f"The {field} contains a line break; mail headers must be a single line."
        )
    return value
