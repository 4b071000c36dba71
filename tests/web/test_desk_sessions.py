"""Desk sessions live on the server: a saved cookie stops working when its session ends."""

from __future__ import annotations

import base64
import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from bulletin.domain.models import Editor, Role
from bulletin.services.context import Context
from bulletin.store.tables import desk_sessions
from bulletin.web.app import create_app
from tests.support.factories import FakeClock, make_editor
from tests.support.web import csrf_from, sign_in

PASSWORD = "a-long-password-1"
NEW_PASSWORD = "a-fresh-password-2"


def _signed_in(client: TestClient, ctx: Context, role: Role = Role.EDITOR) -> Editor:
    editor = make_editor(ctx, role=role, password=PASSWORD)
    sign_in(client, editor.email, PASSWORD)
    return editor


def _opens_desk(ctx: Context, cookie: str) -> bool:
    """Whether a browser holding only this saved desk cookie gets the desk."""
    with TestClient(create_app(ctx)) as thief:
        thief.cookies.set("bulletin_desk", cookie)
        return thief.get("/desk", follow_redirects=False).status_code == 200


def _token(client: TestClient) -> str:
    return csrf_from(client.get("/desk").text)


def test_a_cookie_saved_before_sign_out_no_longer_opens_the_desk(
    client: TestClient, ctx: Context
) -> None:
    _signed_in(client, ctx)
    saved = client.cookies["bulletin_desk"]
    assert _opens_desk(ctx, saved)
    out = client.post("/desk/logout", data={"csrf_token": _token(client)}, follow_redirects=False)
    assert out.status_code == 303
    assert not _opens_desk(ctx, saved)


def test_a_cookie_saved_before_an_admin_reset_the_password_no_longer_opens_the_desk(
    ctx: Context,
) -> None:
    with TestClient(create_app(ctx)) as admin, TestClient(create_app(ctx)) as victim:
        _signed_in(admin, ctx, Role.ADMIN)
        editor = _signed_in(victim, ctx)
        saved = victim.cookies["bulletin_desk"]
        reset = admin.post(
            f"/desk/users/{editor.id}/password",
            data={"csrf_token": _token(admin), "password": NEW_PASSWORD},
            follow_redirects=False,
        )
        assert reset.status_code == 303
        assert not _opens_desk(ctx, saved)
        assert victim.get("/desk", follow_redirects=False).headers["location"] == "/desk/login"
        sign_in(victim, editor.email, NEW_PASSWORD)
        assert victim.get("/desk").status_code == 200


def test_a_role_change_ends_the_accounts_sessions(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as admin, TestClient(create_app(ctx)) as other:
        _signed_in(admin, ctx, Role.ADMIN)
        editor = _signed_in(other, ctx)
        saved = other.cookies["bulletin_desk"]
        admin.post(
            f"/desk/users/{editor.id}/role", data={"csrf_token": _token(admin), "role": "viewer"}
        )
        assert not _opens_desk(ctx, saved)


def test_sign_out_everywhere_ends_every_other_session_but_this_one(ctx: Context) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    with TestClient(create_app(ctx)) as laptop, TestClient(create_app(ctx)) as phone:
        sign_in(laptop, editor.email, PASSWORD)
        sign_in(phone, editor.email, PASSWORD)
        page = phone.get("/desk/account")
        assert page.text.count("<tr") == 3  # the head and two sessions
        done = phone.post("/desk/account/sign-out-everywhere", data={"csrf_token": _token(phone)})
        assert "Signed out of 1 other session elsewhere" in done.text
        assert not _opens_desk(ctx, laptop.cookies["bulletin_desk"])
        assert phone.get("/desk").status_code == 200


def test_changing_ones_password_ends_the_other_sessions_and_checks_the_policy(
    ctx: Context,
) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    with TestClient(create_app(ctx)) as laptop, TestClient(create_app(ctx)) as phone:
        sign_in(laptop, editor.email, PASSWORD)
        sign_in(phone, editor.email, PASSWORD)
        weak = phone.post(
            "/desk/account/password",
            data={"csrf_token": _token(phone), "current": PASSWORD, "password": "a" * 10},
        )
        assert weak.status_code == 422 and "stronger password" in weak.text
        wrong = phone.post(
            "/desk/account/password",
            data={
                "csrf_token": _token(phone),
                "current": "not-it-at-all",
                "password": NEW_PASSWORD,
            },
        )
        assert wrong.status_code == 422 and "current password is not right" in wrong.text
        assert _opens_desk(ctx, laptop.cookies["bulletin_desk"])
        changed = phone.post(
            "/desk/account/password",
            data={"csrf_token": _token(phone), "current": PASSWORD, "password": NEW_PASSWORD},
        )
        assert changed.status_code == 200 and "Password changed" in changed.text
        assert not _opens_desk(ctx, laptop.cookies["bulletin_desk"])
        assert phone.get("/desk").status_code == 200


def test_a_session_unused_for_the_idle_timeout_ends(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    _signed_in(client, ctx)
    clock.advance(seconds=ctx.settings.session_idle_s - 61)
    assert client.get("/desk", follow_redirects=False).status_code == 200  # and it is used
    clock.advance(seconds=ctx.settings.session_idle_s - 1)
    assert client.get("/desk", follow_redirects=False).status_code == 200
    clock.advance(seconds=ctx.settings.session_idle_s)
    assert client.get("/desk", follow_redirects=False).headers["location"] == "/desk/login"


def test_a_session_ends_after_its_lifetime_however_busy(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    _signed_in(client, ctx)
    step = ctx.settings.session_idle_s // 2
    for _ in range(ctx.settings.session_max_age_s // step - 1):
        clock.advance(seconds=step)
        assert client.get("/desk", follow_redirects=False).status_code == 200
    clock.advance(seconds=step)
    assert client.get("/desk", follow_redirects=False).status_code == 303


def test_the_database_keeps_only_a_hash_of_the_cookie_with_who_and_where(
    client: TestClient, ctx: Context
) -> None:
    editor = _signed_in(client, ctx)
    cookie = client.cookies["bulletin_desk"]
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(desk_sessions)).all()
    assert len(rows) == 1
    row = rows[0]
    assert row.editor_id == editor.id and row.ip == "testclient"
    assert row.user_agent == "testclient" and row.token_hash != cookie
    assert cookie not in repr(tuple(row)) and len(cookie) >= 40
    client.get("/desk")  # the page hands out a CSRF token, kept in the signed cookie
    signed = client.cookies["bulletin_session"].split(".")[0]
    payload = json.loads(base64.b64decode(signed + "=" * (-len(signed) % 4)))
    assert set(payload) == {"csrf"}  # nobody's identity


def test_a_locked_sign_in_page_says_when_to_come_back(client: TestClient, ctx: Context) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    token = csrf_from(client.get("/desk/login").text)
    statuses = []
    for _ in range(4):
        response = client.post(
            "/desk/login",
            data={"csrf_token": token, "email": editor.email, "password": "wrong-password-9"},
        )
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 429]
    assert response.headers["retry-after"] == "1"
    assert "Try again in 1 second" in response.text
