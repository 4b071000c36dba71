"""Desk passwords: the policy a new one must meet, and hashing them (argon2).

A password must be long enough and not guessable: zxcvbn estimates how many guesses
it would take, from common passwords, dictionary words, names, keyboard walks,
repeats and dates, and the account's own address and name. Its score of 3 ("safely
unguessable: moderate protection from offline slow-hash attacks") is the floor; a
ten-letter run of one character scores 0.
"""

from __future__ import annotations

import functools

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from bulletin.domain.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 256  # argon2 takes any length; a bound keeps a pasted novel from being hashed
MIN_SCORE = 3
_hasher = PasswordHasher()


def check_policy(password: str, *, email: str = "", name: str = "") -> None:
    """Refuse, with the reason a person can act on, a password too short or guessable."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"Passwords must be at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"Passwords must be at most {MAX_LENGTH} characters.")
    hints = [part for part in (email, email.partition("@")[0], name) if part]
    verdict = zxcvbn(password, user_inputs=hints)
    if verdict["score"] < MIN_SCORE:
        warning = verdict["feedback"].get("warning") or "It would be easy to guess."
        raise InvalidInput(
            f"Choose a stronger password. {warning} A few uncommon words together make a good one."
        )


def use_parameters(parameters: Parameters) -> None:
    """Hash with these argon2 parameters from now on. The tests use argon2's CHEAPEST
    profile: the same code paths, without 64 MB and a quarter of a second a password."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(parameters)
    dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@functools.cache
def dummy_hash() -> str:
    """Verifying against this when the address is unknown keeps sign-in time the same
    whether or not an account exists. Made on first use: argon2 takes 64 MB to hash,
    which a process that never signs anyone in (a worker) should not pay for."""
    return _hasher.hash("bulletin-no-such-user")
