"""The sign-in throttle: failures kept per account and per client address, in the database.

Keys are SHA-256 hashes of what was typed (the address key, or the text when it is
not an address) and of the client address, so the table names nobody. An address
with no account is throttled exactly like one that has an account: the answer never
tells which. The database holds the counts, so every web process, on every machine,
sees the same ones, and the clock is the context's.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import Connection

from bulletin.config import Settings
from bulletin.domain.addresses import key_of
from bulletin.domain.errors import SignInThrottled
from bulletin.domain.sign_in import Rule, Wait, wait_for
from bulletin.services.context import Context
from bulletin.store import sign_in as failure_store


def account_key(typed: str) -> str:
    return _hash("account", key_of(typed.strip()))


def client_key(ip: str | None) -> str | None:
    return _hash("ip", ip) if ip else None


def rules(settings: Settings) -> tuple[Rule, Rule]:
    """The account's rule and the client address's."""
    lock = timedelta(seconds=settings.sign_in_lock_s)
    return (
        Rule(max_failures=settings.sign_in_max_failures, lock=lock),
        Rule(
            max_failures=settings.sign_in_ip_max_failures,
            lock=lock,
            # An office behind one address makes honest mistakes too: its delays start
            # nine failures before its lock, whose waits (1 + 2 + ... + 256 s) leave
            # the lock within reach of one window.
            free_failures=max(3, settings.sign_in_ip_max_failures - 9),
        ),
    )


def check(
    conn: Connection, ctx: Context, *, account: str, client: str | None
) -> SignInThrottled | None:
    """The refusal to raise if the account or the client address must wait, else None."""
    now = ctx.clock()
    account_rule, client_rule = rules(ctx.settings)
    waits = [_wait(conn, account, account_rule, ctx)]
    if client is not None:
        waits.append(_wait(conn, client, client_rule, ctx))
    longest = max((w for w in waits if w is not None), key=lambda w: w.until, default=None)
    if longest is None:
        return None
    seconds = longest.seconds_from(now)
    when = longest.until.strftime("%H:%M:%S UTC")
    reason = "locked after too many failed sign-ins" if longest.locked else "slowed down"
    return SignInThrottled(
        f"Sign-in is {reason}. Try again in {_duration(seconds)} (after {when}).",
        retry_after_s=seconds,
    )


def record_failure(conn: Connection, ctx: Context, *, account: str, client: str | None) -> None:
    now = ctx.clock()
    keys = [account] if client is None else [account, client]
    horizon = max(rule.horizon for rule in rules(ctx.settings))
    failure_store.record(conn, keys, now=now, forget_before=now - horizon)


def record_success(conn: Connection, *, account: str) -> None:
    """The account starts afresh; the client address keeps its count (one good account
    must not let an address go on guessing others)."""
    failure_store.clear(conn, account)


def _wait(conn: Connection, key: str, rule: Rule, ctx: Context) -> Wait | None:
    now = ctx.clock()
    failures = failure_store.failures_since(conn, key, now - rule.horizon)
    return wait_for(failures, now=now, rule=rule)


def _duration(seconds: int) -> str:
    if seconds == 1:
        return "1 second"
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{(seconds + 59) // 60} minutes"


def _hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
