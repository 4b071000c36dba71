"""An admin's second factor: enrol with a code, then every sign-in asks for a fresh one."""

from __future__ import annotations

import re

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select

from bulletin.domain.models import Editor, Role
from bulletin.services.context import Context
from bulletin.store.tables import editors
from bulletin.web.app import create_app
from tests.support.factories import FakeClock, make_editor
from tests.support.web import csrf_from, sign_in

PASSWORD = "a-long-password-1"


def _token(client: TestClient, path: str = "/desk/account") -> str:
    return csrf_from(client.get(path).text)


def _enrol(client: TestClient, clock: FakeClock) -> pyotp.TOTP:
    begun = client.post(
        "/desk/account/totp", data={"csrf_token": _token(client)}, follow_redirects=False
    )
    # Post/redirect/get: the key is on the account page (never cached), not in a post's answer.
    assert begun.status_code == 303 and begun.headers["location"] == "/desk/account#totp-enrol"
    shown = client.get("/desk/account")
    assert shown.status_code == 200 and "otpauth://totp/" in shown.text and "<svg" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert client.get("/desk/account").text.count("totp-secret") == 1  # a reload: the same key
    match = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', shown.text)
    assert match
    totp = pyotp.TOTP(match.group(1))
    done = client.post(
        "/desk/account/totp/confirm",
        data={"csrf_token": _token(client), "code": totp.at(clock())},
    )
    assert "Second factor on" in done.text
    return totp


def _password_step(client: TestClient, editor: Editor) -> None:
    token = csrf_from(client.get("/desk/login").text)
    response = client.post(
        "/desk/login",
        data={"csrf_token": token, "email": editor.email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/desk/login/code"


def _code_step(client: TestClient, code: str) -> int:
    token = _token(client, "/desk/login/code")
    response = client.post(
        "/desk/login/code", data={"csrf_token": token, "code": code}, follow_redirects=False
    )
    return response.status_code


def test_an_admin_with_a_second_factor_signs_in_only_with_a_fresh_code(
    ctx: Context, clock: FakeClock
) -> None:
    admin = make_editor(ctx, role=Role.ADMIN, password=PASSWORD)
    with TestClient(create_app(ctx)) as client:
        sign_in(client, admin.email, PASSWORD)
        totp = _enrol(client, clock)
        client.post("/desk/logout", data={"csrf_token": _token(client)})

        _password_step(client, admin)
        assert client.get("/desk", follow_redirects=False).status_code == 303  # not yet in
        assert _code_step(client, "000000" if totp.at(clock()) != "000000" else "111111") == 401
        clock.advance(seconds=30)
        code = totp.at(clock())
        assert _code_step(client, code) == 303
        assert client.get("/desk").status_code == 200

    with TestClient(create_app(ctx)) as other:
        _password_step(other, admin)
        assert _code_step(other, code) == 401  # a code works once
        clock.advance(seconds=30)
        assert _code_step(other, totp.at(clock())) == 303


def test_the_secret_is_shown_once_and_kept_encrypted(ctx: Context, clock: FakeClock) -> None:
    admin = make_editor(ctx, role=Role.ADMIN, password=PASSWORD)
    with TestClient(create_app(ctx)) as client:
        sign_in(client, admin.email, PASSWORD)
        totp = _enrol(client, clock)
        assert totp.secret not in client.get("/desk/account").text
    with ctx.db.transaction() as conn:
        stored = conn.execute(select(editors.c.totp_secret)).scalar_one()
    assert stored and totp.secret not in stored


def test_a_code_is_asked_for_no_longer_than_five_minutes_after_the_password(
    ctx: Context, clock: FakeClock
) -> None:
    admin = make_editor(ctx, role=Role.ADMIN, password=PASSWORD)
    with TestClient(create_app(ctx)) as client:
        sign_in(client, admin.email, PASSWORD)
        totp = _enrol(client, clock)
        client.post("/desk/logout", data={"csrf_token": _token(client)})
        _password_step(client, admin)
        clock.advance(minutes=6)
        token = csrf_from(client.get("/desk/login").text)
        late = client.post(
            "/desk/login/code",
            data={"csrf_token": token, "code": totp.at(clock())},
            follow_redirects=False,
        )
        assert late.headers["location"] == "/desk/login"


def test_turning_the_factor_off_asks_for_the_password(ctx: Context, clock: FakeClock) -> None:
    admin = make_editor(ctx, role=Role.ADMIN, password=PASSWORD)
    with TestClient(create_app(ctx)) as client:
        sign_in(client, admin.email, PASSWORD)
        _enrol(client, clock)
        wrong = client.post(
            "/desk/account/totp/disable", data={"csrf_token": _token(client), "password": "nope"}
        )
        assert wrong.status_code == 422
        off = client.post(
            "/desk/account/totp/disable", data={"csrf_token": _token(client), "password": PASSWORD}
        )
        assert "Second factor off" in off.text
        client.post("/desk/logout", data={"csrf_token": _token(client)})
        sign_in(client, admin.email, PASSWORD)  # straight in
        assert client.get("/desk").status_code == 200


def test_only_admins_may_enrol(client: TestClient, ctx: Context) -> None:
    editor = make_editor(ctx, role=Role.EDITOR, password=PASSWORD)
    sign_in(client, editor.email, PASSWORD)
    assert "Second factor" not in client.get("/desk/account").text
    refused = client.post("/desk/account/totp", data={"csrf_token": _token(client)})
    assert refused.status_code == 403


def test_a_wrong_code_keeps_the_key_in_view_and_once_on_it_is_never_shown(
    ctx: Context, clock: FakeClock
) -> None:
    admin = make_editor(ctx, role=Role.ADMIN, password=PASSWORD)
    with TestClient(create_app(ctx)) as client:
        sign_in(client, admin.email, PASSWORD)
        client.post("/desk/account/totp", data={"csrf_token": _token(client)})
        key = re.search(
            r'<code id="totp-secret">([A-Z2-7]+)</code>', client.get("/desk/account").text
        )
        assert key
        wrong = "000000" if pyotp.TOTP(key.group(1)).at(clock()) != "000000" else "111111"
        refused = client.post(
            "/desk/account/totp/confirm", data={"csrf_token": _token(client), "code": wrong}
        )
        assert refused.status_code == 422 and "does not match" in refused.text
        assert f'<code id="totp-secret">{key.group(1)}</code>' in refused.text  # no dead end
        client.post(
            "/desk/account/totp/confirm",
            data={"csrf_token": _token(client), "code": pyotp.TOTP(key.group(1)).at(clock())},
        )
        after = client.get("/desk/account")
        assert "totp-secret" not in after.text and key.group(1) not in after.text
        assert "Turn off" in after.text
