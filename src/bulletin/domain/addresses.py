"""Rules for email addresses and for text that goes into mail headers."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from bulletin.domain.errors import InvalidAddress, UnsafeHeaderValue

_LINE_BREAKS = ("\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def normalise_address(raw: str) -> str:
    """Return the canonical form of an address a reader typed, or raise InvalidAddress.

    The domain is lower-cased and kept in its ASCII (IDNA) form, the form that goes on
    the wire; the local part is kept as typed (RFC 5321 says it may be case-sensitive)
    apart from surrounding space. A local part with non-ASCII letters is refused: it
    needs SMTPUTF8, which our mail path does not speak, so we could never deliver to
    it. No DNS lookup: the form must answer at once, and a dead domain shows up as a
    bounce.
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


def ensure_header_safe(value: str, *, field: str) -> str:
    """Refuse any value that would break out of its mail header line."""
    if any(ch in value for ch in _LINE_BREAKS):
        raise UnsafeHeaderValue(
            f"The {field} contains a line break; mail headers must be a single line."
        )
    return value
