"""Tampering with a signed token, for tests that a tampered one is refused."""

from __future__ import annotations


def tampered(token: str) -> str:
    """The token with one signature character changed, so its signature cannot verify.

    Not the last character: a base64 signature's last character carries spare bits, so
    some changes to it decode to the same bytes and the token still verifies (about one
    run in a thousand, with "…xx" put in place of the last two).
    """
    at = len(token) - 5
    changed = "A" if token[at] != "A" else "B"
    return token[:at] + changed + token[at + 1 :]
