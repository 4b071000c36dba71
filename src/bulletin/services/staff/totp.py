"""Admins' optional second factor: a TOTP code (RFC 6238) from an authenticator app.

Enrolling makes a secret and shows it once, as text, as an otpauth:// URI and as a QR
code; it is enabled when the admin types back a code it makes. The secret is kept
encrypted (Fernet, with a key derived from BULLETIN_SECRET_KEY by HKDF), so a copy of
the database alone cannot make codes, and is never shown again. Changing the secret
key therefore turns every enrolment unreadable: `bulletin users totp-off` clears one.
A code is accepted one step either side of now (clocks drift) and only once.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Connection

from bulletin.domain.errors import InvalidInput, PermissionDenied
from bulletin.domain.models import Editor, Role
from bulletin.services import sealing
from bulletin.services.context import Context
from bulletin.services.staff import passwords, sessions
from bulletin.store import audit
from bulletin.store import editors as editor_store

DRIFT_STEPS = 1


@dataclass(frozen=True)
class Enrolment:
    """What the admin copies into their app, shown once."""

    secret: str
    uri: str
    qr_svg: str


def is_enabled(conn: Connection, editor_id: int) -> bool:
    return editor_store.totp_state(conn, editor_id).enabled_at is not None


def enabled_for(ctx: Context, editor: Editor) -> bool:
    with ctx.db.transaction() as conn:
        return is_enabled(conn, editor.id)


def begin(ctx: Context, editor: Editor) -> Enrolment:
    if editor.role is not Role.ADMIN:
        raise PermissionDenied("The second factor is for admins' accounts.")
    secret = pyotp.random_base32()
    with ctx.db.transaction() as conn:
        if is_enabled(conn, editor.id):
            raise InvalidInput("Your second factor is already on; turn it off first.")
        sealed = _fernet(ctx).encrypt(secret.encode()).decode()
        editor_store.set_totp(conn, editor.id, secret=sealed, enabled_at=None)
    return _enrolment(ctx, editor, secret)


def pending(ctx: Context, editor: Editor) -> Enrolment | None:
    """The enrolment begun and not yet confirmed, to show again until a code confirms it.

    Its key makes no sign-in possible before then; once on, it is never shown again.
    """
    with ctx.db.reading() as conn:
        state = editor_store.totp_state(conn, editor.id)
    if state.secret is None or state.enabled_at is not None:
        return None
    try:
        secret = _fernet(ctx).decrypt(state.secret.encode()).decode()
    except InvalidToken:  # sealed under an earlier secret key: begin again
        return None
    return _enrolment(ctx, editor, secret)


def _enrolment(ctx: Context, editor: Editor, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=editor.email, issuer_name=ctx.settings.newsroom_name
    )
    return Enrolment(secret=secret, uri=uri, qr_svg=segno.make(uri, error="m").svg_inline(scale=4))


def confirm(ctx: Context, editor: Editor, code: str, *, session_id: int | None) -> None:
    """Turn the factor on with a code from the secret being enrolled; other sessions end."""
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        state = editor_store.totp_state(conn, editor.id)
        if state.secret is None or state.enabled_at is not None:
            raise InvalidInput("Start setting up the second factor first.")
        step = _matching_step(ctx, state.secret, code)
        if step is None:
            raise InvalidInput("That code does not match. Type the six digits the app shows now.")
        editor_store.set_totp(conn, editor.id, secret=state.secret, enabled_at=now, last_step=step)
        sessions.end_all(conn, editor.id, keep=session_id)
        _audit(conn, ctx, editor, "user.totp_enable")


def disable(ctx: Context, editor: Editor, password: str) -> None:
    """Turn the factor off; the account's password is asked for again."""
    with ctx.db.transaction() as conn:
        found = editor_store.credentials(conn, editor.email)
        if found is None or not passwords.verify(found[1], password):
            raise InvalidInput("That is not your password.")
        editor_store.set_totp(conn, editor.id, secret=None, enabled_at=None)
        _audit(conn, ctx, editor, "user.totp_disable")


def clear(conn: Connection, ctx: Context, editor: Editor, *, actor: str) -> None:
    """An operator turns an account's factor off (a lost phone, a changed secret key)."""
    editor_store.set_totp(conn, editor.id, secret=None, enabled_at=None)
    audit.record(
        conn,
        actor=actor,
        action="user.totp_disable",
        now=ctx.clock(),
        target_type="editor",
        target_id=editor.id,
        detail={"email": editor.email},
    )


def verify(conn: Connection, ctx: Context, editor_id: int, code: str) -> bool:
    """Whether `code` is a fresh code of the editor's enabled factor (and use it up)."""
    state = editor_store.totp_state(conn, editor_id)
    if state.secret is None or state.enabled_at is None:
        return False
    step = _matching_step(ctx, state.secret, code)
    return step is not None and editor_store.use_totp_step(conn, editor_id, step)


def _matching_step(ctx: Context, sealed: str, code: str) -> int | None:
    code = code.strip().replace(" ", "")
    try:
        secret = _fernet(ctx).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None  # sealed under another secret key: only an operator can clear it
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(ctx.clock())
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step).encode(), code.encode()):
            return step
    return None


def _fernet(ctx: Context) -> Fernet:
    return sealing.fernet_for(ctx.settings.secret_key, b"bulletin totp v1")


def _audit(conn: Connection, ctx: Context, editor: Editor, action: str) -> None:
    audit.record(
        conn,
        actor=editor.email,
        action=action,
        now=ctx.clock(),
        target_type="editor",
        target_id=editor.id,
        detail={"email": editor.email},
    )
