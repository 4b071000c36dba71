"""Signing in: throttled per account and per address, locked after ten failures, audited."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bulletin.domain.errors import AuthenticationFailed, SignInThrottled
from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.staff import sign_in
from bulletin.store import audit
from tests.support.factories import FakeClock, make_editor

PASSWORD = "a-long-password-1"
WRONG = "not-the-password-7"
HOME = sign_in.Client(ip="198.51.100.7", user_agent="Test browser")


def _try(ctx: Context, email: str, password: str, client: sign_in.Client = HOME) -> object:
    return sign_in.sign_in(ctx, email=email, password=password, client=client)


def _fail_until_locked(
    ctx: Context, clock: FakeClock, email: str, client: sign_in.Client = HOME
) -> int:
    """Wrong passwords, each as soon as the throttle allows, until it locks; how many
    were checked (and failed) before the lock."""
    failures = 0
    while failures < 100:
        with pytest.raises(AuthenticationFailed) as refused:
            _try(ctx, email, WRONG, client)
        if not isinstance(refused.value, SignInThrottled):
            failures += 1
        elif "locked" in str(refused.value):
            return failures
        else:
            clock.advance(seconds=refused.value.retry_after_s)
    raise AssertionError("never locked")


def _audit(ctx: Context) -> list[dict[str, Any]]:
    """The sign-in entries of the audit log, oldest first."""
    with ctx.db.transaction() as conn:
        entries = list(reversed(audit.recent(conn, 500)))
    return [e for e in entries if e["action"].startswith("sign_in.")]


def test_ten_wrong_passwords_lock_the_account_and_the_right_one_waits_for_the_lock(
    ctx: Context, clock: FakeClock
) -> None:
    editor = make_editor(ctx, role=Role.EDITOR, password=PASSWORD)
    assert _fail_until_locked(ctx, clock, editor.email) == 10
    clock.advance(minutes=14)
    with pytest.raises(SignInThrottled, match=r"locked.*Try again in 60 seconds \(after \d\d:"):
        _try(ctx, editor.email, PASSWORD)
    clock.advance(minutes=1)
    signed_in = _try(ctx, editor.email, PASSWORD)
    assert isinstance(signed_in, sign_in.SignedIn) and signed_in.editor.id == editor.id


def test_after_three_failures_each_attempt_waits_twice_as_long(
    ctx: Context, clock: FakeClock
) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            _try(ctx, editor.email, WRONG)
    with pytest.raises(SignInThrottled) as first:
        _try(ctx, editor.email, PASSWORD)
    clock.advance(seconds=first.value.retry_after_s)
    with pytest.raises(AuthenticationFailed):
        _try(ctx, editor.email, WRONG)
    with pytest.raises(SignInThrottled) as second:
        _try(ctx, editor.email, WRONG)
    assert (first.value.retry_after_s, second.value.retry_after_s) == (1, 2)


def test_a_success_starts_the_account_afresh(ctx: Context, clock: FakeClock) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            _try(ctx, editor.email, WRONG)
    clock.advance(seconds=1)
    assert isinstance(_try(ctx, editor.email, PASSWORD), sign_in.SignedIn)
    with pytest.raises(AuthenticationFailed) as again:
        _try(ctx, editor.email, WRONG)
    assert not isinstance(again.value, SignInThrottled)


def test_an_unknown_address_is_locked_and_audited_exactly_like_an_account(
    ctx: Context, clock: FakeClock
) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    assert _fail_until_locked(ctx, clock, "nobody@news.example.com") == 10
    after_unknown = _audit(ctx)
    clock.advance(minutes=15)
    assert _fail_until_locked(ctx, clock, editor.email) == 10
    after_known = _audit(ctx)[len(after_unknown) :]

    def shape(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [
            (e["action"], e["target_type"], e["target_id"], json.dumps(e["detail"]))
            for e in entries
        ]

    assert shape(after_unknown) == shape(after_known)
    assert {e["actor"] for e in after_unknown} == {"nobody@news.example.com"}
    assert [e["action"] for e in after_known].count("sign_in.failure") == 10


def test_every_sign_in_and_failure_is_audited_and_the_password_never(
    ctx: Context, clock: FakeClock
) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    with pytest.raises(AuthenticationFailed):
        _try(ctx, editor.email, WRONG)
    _try(ctx, editor.email, PASSWORD)
    entries = _audit(ctx)
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("sign_in.failure", editor.email),
        ("sign_in.success", editor.email),
    ]
    assert entries[0]["detail"] == {"ip": HOME.ip, "reason": "password"}
    everything = json.dumps(_audit(ctx), default=str)
    assert WRONG not in everything and PASSWORD not in everything


def test_one_address_guessing_many_accounts_is_locked_out_of_all_of_them(
    ctx: Context, clock: FakeClock
) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    failures = 0
    while failures < 30:  # two tries at each address: no account is ever slowed
        with pytest.raises(AuthenticationFailed) as refused:
            _try(ctx, f"guess{failures // 2}@news.example.com", WRONG)
        if isinstance(refused.value, SignInThrottled):
            assert "locked" not in str(refused.value)
            clock.advance(seconds=refused.value.retry_after_s)
        else:
            failures += 1
    with pytest.raises(SignInThrottled, match="locked"):
        _try(ctx, editor.email, PASSWORD)
    elsewhere = sign_in.Client(ip="203.0.113.9", user_agent=None)
    assert isinstance(_try(ctx, editor.email, PASSWORD, elsewhere), sign_in.SignedIn)


def test_a_disabled_account_fails_like_a_wrong_password(ctx: Context) -> None:
    admin = make_editor(ctx, role=Role.ADMIN, password=PASSWORD)
    editor = make_editor(ctx, password=PASSWORD)
    from bulletin.services.staff import admin as staff

    staff.set_active(ctx, editor.id, False, actor=admin)
    with pytest.raises(AuthenticationFailed, match="do not match"):
        _try(ctx, editor.email, PASSWORD)
