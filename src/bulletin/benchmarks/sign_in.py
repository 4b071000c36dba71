"""`bulletin bench sign-in`: a burst of wrong passwords at one desk account, on SQLite.

Both go through the sign-in use case the desk's form calls. A blind burst sends
wrong passwords as fast as it can on the real clock: how many were checked (argon2)
and how many the throttle refused unchecked. A patient attacker waits out each delay
it is told (the clock is moved, not slept): attempts until the lock, the seconds
that took, then the right password, which the lock refuses with its time to wait,
and the right password once the clock is past the lock. Prints one JSON object.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bulletin.benchmarks.fanout import SECRET
from bulletin.benchmarks.readers import SUPPRESSION_KEY
from bulletin.config import Settings
from bulletin.domain.errors import AuthenticationFailed, SignInThrottled
from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.staff import accounts, sign_in
from bulletin.store import migrate
from bulletin.store.db import Database
from bulletin.store.types import utcnow

PASSWORD = "a-long-password-1"


@dataclass
class Options:
    attempts: int = 50


class MovableClock:
    """The real clock, which the benchmark can move forward past a lock."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset


def run(options: Options) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bulletin-bench-") as workdir:
        url = f"sqlite:///{workdir}/bench.db"
        settings = Settings(
            database_url=url,
            secret_key=SECRET,
            suppression_key=SUPPRESSION_KEY,
            data_dir=Path(workdir),
        )
        db = Database(url)
        migrate.upgrade(db)
        clock = MovableClock()
        ctx = Context(settings=settings, db=db, clock=clock)
        try:
            return _burst(ctx, clock, options)
        finally:
            db.dispose()


def _burst(ctx: Context, clock: MovableClock, options: Options) -> dict[str, Any]:
    blind = _blind_burst(ctx, "blind@news.example.com", options.attempts)
    patient = _patient_attacker(ctx, clock, "patient@news.example.com", options.attempts)
    return {"benchmark": "sign-in", "blind_burst": blind, "patient_attacker": patient}


def _blind_burst(ctx: Context, email: str, attempts: int) -> dict[str, Any]:
    """Wrong passwords as fast as they go, on the real clock."""
    accounts.create_editor(ctx, email=email, name="Desk", password=PASSWORD, role=Role.EDITOR)
    outcomes = {"checked_and_failed": 0, "refused_waiting": 0, "refused_locked": 0}
    started = time.perf_counter()
    for _ in range(attempts):
        outcomes[_wrong_password(ctx, email)[0]] += 1
    return {"attempts": attempts, "seconds": round(time.perf_counter() - started, 2), **outcomes}


def _patient_attacker(
    ctx: Context, clock: MovableClock, email: str, attempts: int
) -> dict[str, Any]:
    """Wrong passwords, each waiting out the delay it was told, until the lock."""
    accounts.create_editor(ctx, email=email, name="Desk", password=PASSWORD, role=Role.EDITOR)
    checked, waited_s, made = 0, 0, 0
    while made < attempts:
        made += 1
        outcome, retry_after = _wrong_password(ctx, email)
        if outcome == "refused_locked":
            break
        if outcome == "refused_waiting":
            clock.offset += timedelta(seconds=retry_after)
            waited_s += retry_after
        else:
            checked += 1
    during = _right_password(ctx, email)
    clock.offset += timedelta(seconds=ctx.settings.sign_in_lock_s)
    return {
        "attempts_until_locked": made,
        "passwords_checked_before_lock": checked,
        "seconds_waited_before_lock": waited_s,
        "right_password_during_lock": during,
        "right_password_after_lock": _right_password(ctx, email),
    }


def _wrong_password(ctx: Context, email: str) -> tuple[str, int]:
    try:
        sign_in.sign_in(ctx, email=email, password="wrong-password-9", client=_client(email))
    except SignInThrottled as exc:
        kind = "refused_locked" if "locked" in str(exc) else "refused_waiting"
        return kind, exc.retry_after_s
    except AuthenticationFailed:
        return "checked_and_failed", 0
    raise AssertionError("a wrong password signed in")


def _client(email: str) -> sign_in.Client:
    """One client address per run, so the two runs' address counts stay apart."""
    return sign_in.Client(ip=f"198.51.100.{len(email)}", user_agent="bench")


def _right_password(ctx: Context, email: str) -> str:
    try:
        sign_in.sign_in(ctx, email=email, password=PASSWORD, client=_client(email))
    except SignInThrottled as exc:
        return f"refused, retry after {exc.retry_after_s} s"
    return "signed in"
