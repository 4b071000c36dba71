"""Signing in to the desk: throttled, audited, with an admin's second factor if enrolled.

`sign_in` checks the throttle before the password, so during a lock even the right
password is refused (with when to come back). Every outcome is audited under the
address typed, the same way whether or not an account has it; the password is never
recorded. An account with a second factor gets `CodeNeeded` and then `second_step`,
whose wrong codes count as failures like wrong passwords.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import Connection

from bulletin.domain.addresses import normalise_address
from bulletin.domain.errors import AuthenticationFailed, InvalidInput, SignInThrottled
from bulletin.domain.models import Editor
from bulletin.services.context import Context
from bulletin.services.staff import passwords, sessions, throttle, totp
from bulletin.store import audit
from bulletin.store import editors as editor_store

MISMATCH = "That email address and password do not match."
MAX_ACTOR = 320


@dataclass(frozen=True)
class Client:
    ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class SignedIn:
    editor: Editor
    token: str  # for the cookie; only its hash is kept


@dataclass(frozen=True)
class CodeNeeded:
    editor_id: int


def sign_in(ctx: Context, *, email: str, password: str, client: Client) -> SignedIn | CodeNeeded:
    typed = _typed(email)
    account, ip = throttle.account_key(typed), throttle.client_key(client.ip)
    with ctx.db.transaction() as conn:
        refusal = throttle.check(conn, ctx, account=account, client=ip)
        found = editor_store.credentials(conn, typed)
    if refusal is not None:
        _refuse(ctx, refusal, typed=typed, client=client)
    # argon2 takes its time (and 64 MB) outside any transaction.
    password_hash = found[1] if found else passwords.dummy_hash()
    matches = passwords.verify(password_hash, password)
    editor = found[0] if found and matches and found[0].active else None
    with ctx.db.transaction() as conn:
        if editor is None:
            _fail(conn, ctx, typed=typed, account=account, ip=ip, client=client, reason="password")
        elif totp.is_enabled(conn, editor.id):
            return CodeNeeded(editor.id)
        else:
            if passwords.needs_rehash(password_hash):
                editor_store.set_password_hash(conn, editor.id, passwords.hash_password(password))
            return _succeed(conn, ctx, editor, account=account, client=client)
    raise AuthenticationFailed(MISMATCH)


def second_step(ctx: Context, *, editor_id: int, code: str, client: Client) -> SignedIn:
    """The code of an account whose password was just right."""
    with ctx.db.transaction() as conn:
        editor = editor_store.get(conn, editor_id)
        if editor is None or not editor.active:
            raise AuthenticationFailed("Sign in again.")
        account, ip = throttle.account_key(editor.email), throttle.client_key(client.ip)
        refusal = throttle.check(conn, ctx, account=account, client=ip)
    if refusal is not None:
        _refuse(ctx, refusal, typed=editor.email, client=client)
    with ctx.db.transaction() as conn:
        if totp.verify(conn, ctx, editor.id, code):
            return _succeed(conn, ctx, editor, account=account, client=client)
        _fail(conn, ctx, typed=editor.email, account=account, ip=ip, client=client, reason="code")
    raise AuthenticationFailed("That code does not match. Type the six digits your app shows now.")


def sign_out(ctx: Context, *, token: str, editor: Editor | None, client: Client) -> None:
    sessions.end(ctx, token)
    if editor is not None:
        with ctx.db.transaction() as conn:
            _audit(conn, ctx, actor=editor.email, action="sign_in.sign_out", client=client)


def _refuse(ctx: Context, refusal: SignInThrottled, *, typed: str, client: Client) -> NoReturn:
    with ctx.db.transaction() as conn:
        _audit(conn, ctx, actor=typed, action="sign_in.refused", client=client)
    raise refusal


def _fail(
    conn: Connection,
    ctx: Context,
    *,
    typed: str,
    account: str,
    ip: str | None,
    client: Client,
    reason: str,
) -> None:
    throttle.record_failure(conn, ctx, account=account, client=ip)
    _audit(conn, ctx, actor=typed, action="sign_in.failure", client=client, reason=reason)


def _succeed(
    conn: Connection, ctx: Context, editor: Editor, *, account: str, client: Client
) -> SignedIn:
    throttle.record_success(conn, account=account)
    editor_store.mark_login(conn, editor.id, now=ctx.clock())
    token = sessions.open_session(
        conn, ctx, editor_id=editor.id, ip=client.ip, user_agent=client.user_agent
    )
    _audit(conn, ctx, actor=editor.email, action="sign_in.success", client=client)
    return SignedIn(editor=editor, token=token)


def _audit(
    conn: Connection,
    ctx: Context,
    *,
    actor: str,
    action: str,
    client: Client,
    reason: str | None = None,
) -> None:
    detail: dict[str, str | None] = {"ip": client.ip}
    if reason is not None:
        detail["reason"] = reason
    audit.record(
        conn, actor=actor[:MAX_ACTOR] or "(blank)", action=action, now=ctx.clock(), detail=detail
    )


def _typed(email: str) -> str:
    """The address as the accounts table spells it, or the text itself if not an address."""
    try:
        return normalise_address(email)
    except InvalidInput:
        return email.strip()
