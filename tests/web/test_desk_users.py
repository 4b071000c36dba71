"""Admins manage desk accounts and see the settings; nobody else can; never the last admin."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bulletin.domain.errors import AuthenticationFailed
from bulletin.domain.models import Editor, Role
from bulletin.services.context import Context
from bulletin.services.staff import accounts as editors
from bulletin.store import audit
from bulletin.web.app import create_app
from tests.support.factories import make_editor
from tests.support.hooks import MAILGUN_KEY, POSTMARK_PASSWORD, TOPIC
from tests.support.web import csrf_from, sign_in

PASSWORD = "a-long-password-1"


def _signed_in(client: TestClient, ctx: Context, role: Role) -> tuple[TestClient, Editor, str]:
    editor = make_editor(ctx, role=role, password=PASSWORD)
    sign_in(client, editor.email, PASSWORD)
    return client, editor, csrf_from(client.get("/desk").text)


def _last_audit(ctx: Context) -> dict[str, Any]:
    with ctx.db.transaction() as conn:
        return audit.recent(conn, 1)[0]


def test_an_admin_creates_a_viewer_who_can_sign_in(client: TestClient, ctx: Context) -> None:
    admin, _, token = _signed_in(client, ctx, Role.ADMIN)
    created = admin.post(
        "/desk/users",
        data={
            "csrf_token": token,
            "email": "New.Viewer@News.Example.com",
            "name": "Nia Viewer",
            "role": "viewer",
            "password": "viewer-password-1",
        },
    )
    assert created.status_code == 200 and created.history[0].status_code == 303
    assert "Account created for New.Viewer@news.example.com (viewer)" in created.text
    viewer = editors.authenticate(
        ctx, email="New.Viewer@news.example.com", password="viewer-password-1"
    )
    assert viewer.role is Role.VIEWER
    assert _last_audit(ctx)["action"] == "user.create"
    again = admin.post(
        "/desk/users",
        data={
            "csrf_token": token,
            "email": viewer.email,
            "role": "viewer",
            "password": "another-long-password-9",
        },
    )
    assert again.status_code == 422 and "already an account" in again.text
    short = admin.post(
        "/desk/users",
        data={
            "csrf_token": token,
            "email": "b@news.example.com",
            "role": "editor",
            "password": "short",
        },
    )
    assert short.status_code == 422 and "at least 10 characters" in short.text


def test_role_changes_disabling_and_password_resets_are_audited(
    client: TestClient, ctx: Context
) -> None:
    admin, _, token = _signed_in(client, ctx, Role.ADMIN)
    target = make_editor(ctx, role=Role.EDITOR, password=PASSWORD)
    base = f"/desk/users/{target.id}"
    assert (
        admin.post(f"{base}/role", data={"csrf_token": token, "role": "viewer"}).status_code == 200
    )
    assert editors.get_editor(ctx, target.id).role is Role.VIEWER  # type: ignore[union-attr]
    assert _last_audit(ctx)["detail"] == {"email": target.email, "from": "editor", "to": "viewer"}
    admin.post(f"{base}/disable", data={"csrf_token": token})
    assert not editors.get_editor(ctx, target.id).active  # type: ignore[union-attr]
    with pytest.raises(AuthenticationFailed):
        editors.authenticate(ctx, email=target.email, password=PASSWORD)
    assert _last_audit(ctx)["action"] == "user.disable"
    admin.post(f"{base}/enable", data={"csrf_token": token})
    admin.post(f"{base}/password", data={"csrf_token": token, "password": "a-new-password-2"})
    assert _last_audit(ctx)["action"] == "user.password_reset"
    assert "a-new-password-2" not in str(_last_audit(ctx))
    assert editors.authenticate(ctx, email=target.email, password="a-new-password-2").active


def test_a_disabled_account_is_signed_out_at_its_next_request(ctx: Context) -> None:
    with TestClient(create_app(ctx)) as admin_client, TestClient(create_app(ctx)) as other:
        admin, _, token = _signed_in(admin_client, ctx, Role.ADMIN)
        _, editor, _ = _signed_in(other, ctx, Role.EDITOR)
        assert other.get("/desk/stories").status_code == 200
        admin.post(f"/desk/users/{editor.id}/disable", data={"csrf_token": token})
        response = other.get("/desk/stories", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/desk/login?next=%2Fdesk%2Fstories"


def test_the_last_admin_can_be_neither_demoted_nor_disabled(
    client: TestClient, ctx: Context
) -> None:
    admin, me, token = _signed_in(client, ctx, Role.ADMIN)
    demote = admin.post(f"/desk/users/{me.id}/role", data={"csrf_token": token, "role": "editor"})
    assert demote.history[0].status_code == 303  # refused, and said on the list (no re-post)
    assert 'class="flash error"' in demote.text and "last active admin" in demote.text
    disable = admin.post(f"/desk/users/{me.id}/disable", data={"csrf_token": token})
    assert 'class="flash error"' in disable.text
    assert editors.get_editor(ctx, me.id) == me
    other = make_editor(ctx, role=Role.ADMIN, password=PASSWORD)
    demoted = admin.post(
        f"/desk/users/{me.id}/role",
        data={"csrf_token": token, "role": "editor"},
        follow_redirects=False,
    )
    assert demoted.status_code == 303  # a role change ends the account's sessions, mine too
    gone = admin.get("/desk/users", follow_redirects=False)
    assert gone.headers["location"] == "/desk/login?next=%2Fdesk%2Fusers"
    sign_in(admin, me.email, PASSWORD)  # and, no longer an admin, this page is closed to me
    assert admin.get("/desk/users").status_code == 403
    assert editors.get_editor(ctx, me.id) == dataclasses.replace(me, role=Role.EDITOR)
    assert editors.get_editor(ctx, other.id).role is Role.ADMIN  # type: ignore[union-attr]


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_only_admins_reach_users_and_settings(client: TestClient, ctx: Context, role: Role) -> None:
    someone, me, token = _signed_in(client, ctx, role)
    assert someone.get("/desk/users").status_code == 403
    assert someone.get("/desk/settings").status_code == 403
    promote = someone.post(f"/desk/users/{me.id}/role", data={"csrf_token": token, "role": "admin"})
    assert promote.status_code == 403
    assert editors.get_editor(ctx, me.id).role is role  # type: ignore[union-attr]
    assert 'href="/desk/users"' not in someone.get("/desk").text


def test_forms_without_the_csrf_token_are_refused(client: TestClient, ctx: Context) -> None:
    admin, _, _ = _signed_in(client, ctx, Role.ADMIN)
    target = make_editor(ctx, role=Role.EDITOR, password=PASSWORD)
    assert admin.post(f"/desk/users/{target.id}/disable", data={}).status_code == 403
    created = admin.post(
        "/desk/users", data={"email": "x@news.example.com", "role": "admin", "password": "p" * 12}
    )
    assert created.status_code == 403
    assert editors.get_editor(ctx, target.id).active  # type: ignore[union-attr]
    assert "x@news.example.com" not in admin.get("/desk/users").text


def test_settings_show_relays_and_the_bounce_mailbox_with_passwords_masked(ctx: Context) -> None:
    ctx.settings = ctx.settings.replace(
        relays="smtp://mailer:s3cret-pass@relay1.example.net:587?connections=8&rate=200 "
        "smtps://relay2.example.net:465?window=3600:100000",
        bounce_imap_url="imaps://bounces:imap-pass-7@imap.example.net/INBOX",
        database_url=ctx.settings.database_url,
    )
    with TestClient(create_app(ctx)) as client:
        admin, _, _ = _signed_in(client, ctx, Role.ADMIN)
        page = admin.get("/desk/settings")
    assert page.status_code == 200
    assert "s3cret-pass" not in page.text and "imap-pass-7" not in page.text
    assert "imaps://bounces:••••••@imap.example.net/INBOX" in page.text
    assert "smtp://mailer:••••••@relay1.example.net:587" in page.text
    assert "relay2.example.net:465" in page.text and "3600:100000" in page.text
    assert "200/s" in page.text and ctx.settings.secret_key not in page.text


def test_settings_say_which_webhooks_are_on_and_never_show_their_secrets(ctx: Context) -> None:
    ctx.settings = ctx.settings.replace(
        ses_topic_arns=(TOPIC,),
        mailgun_signing_key=MAILGUN_KEY,
        postmark_webhook_user="hooks",
        postmark_webhook_password=POSTMARK_PASSWORD,
    )
    with TestClient(create_app(ctx)) as client:
        admin, _, _ = _signed_in(client, ctx, Role.ADMIN)
        page = admin.get("/desk/settings").text
    assert TOPIC in page
    assert MAILGUN_KEY not in page and POSTMARK_PASSWORD not in page
    assert "<dt>SendGrid webhook key</dt><dd>unset: no endpoint</dd>" in page
