"""The audit log and API key pages over HTTP, and who may see them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bulletin.domain.models import AlertDraft, Role
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.staff import api_keys
from tests.support.factories import FakeClock
from tests.support.web import csrf_from, session_json, signed_in_as


def test_the_audit_log_shows_who_did_what(client: TestClient, ctx: Context) -> None:
    alerts.fire_alert(
        ctx, AlertDraft("Quake <strikes>", "Felt widely.", "https://n.example/q"), actor=None
    )
    page = signed_in_as(client, ctx, Role.VIEWER).get("/desk/audit")
    assert page.status_code == 200
    assert "alert.fire" in page.text and "cli" in page.text
    assert "Quake &lt;strikes&gt;" in page.text
    assert "user.create" in page.text


def test_the_audit_log_pages_back_through_older_entries(client: TestClient, ctx: Context) -> None:
    for n in range(55):
        alerts.fire_alert(
            ctx, AlertDraft(f"Story number {n}", "Text.", "https://n.example/s"), actor=None
        )
    first = signed_in_as(client, ctx, Role.VIEWER).get("/desk/audit")
    assert "Story number 54" in first.text and "Story number 3<" not in first.text
    older = re.search(r'href="(/desk/audit\?before=\d+)"', first.text)
    assert older
    second = client.get(older.group(1))
    assert "Story number 3<" in second.text and "Story number 54" not in second.text


def test_an_admin_creates_a_key_that_is_shown_once_and_works(
    client: TestClient, ctx: Context
) -> None:
    admin = signed_in_as(client, ctx, Role.ADMIN)
    token = csrf_from(admin.get("/desk/api-keys").text)
    created = admin.post(
        "/desk/api-keys",
        data={"csrf_token": token, "name": "CMS", "role": "editor"},
        follow_redirects=False,
    )
    assert (created.status_code, created.headers["location"]) == (303, "/desk/api-keys")
    # The session cookie is signed, not encrypted: the secret crosses the redirect sealed.
    assert "bk_" not in session_json(admin)
    shown = admin.get("/desk/api-keys")
    assert shown.headers["cache-control"] == "no-store"
    assert "Key “CMS” created." in shown.text
    secret = re.search(r'id="new-key">(bk_[^<]+)<', shown.text)
    assert secret
    assert api_keys.authenticate(ctx, secret.group(1)).role is Role.EDITOR
    # A reload shows it no more, and made no second key.
    assert secret.group(1) not in admin.get("/desk/api-keys").text
    assert len(api_keys.list_keys(ctx)) == 1


def test_a_created_key_not_picked_up_within_minutes_is_not_shown_later(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    admin = signed_in_as(client, ctx, Role.ADMIN)
    token = csrf_from(admin.get("/desk/api-keys").text)
    admin.post(
        "/desk/api-keys",
        data={"csrf_token": token, "name": "CMS", "role": "editor"},
        follow_redirects=False,
    )
    clock.advance(minutes=10)
    shown = admin.get("/desk/api-keys")
    assert shown.status_code == 200 and 'id="new-key"' not in shown.text
    assert len(api_keys.list_keys(ctx)) == 1  # made, listed, revocable: only not shown


def test_an_admin_revokes_a_key(client: TestClient, ctx: Context) -> None:
    key, _secret = api_keys.create_key(ctx, name="Old CMS", role=Role.EDITOR, actor=None)
    admin = signed_in_as(client, ctx, Role.ADMIN)
    token = csrf_from(admin.get("/desk/api-keys").text)
    response = admin.post(f"/desk/api-keys/{key.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 200 and "Key revoked" in response.text
    assert not api_keys.list_keys(ctx)[0].active


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_only_admins_reach_the_api_key_page(client: TestClient, ctx: Context, role: Role) -> None:
    signed_in = signed_in_as(client, ctx, role)
    assert signed_in.get("/desk/api-keys").status_code == 403
    token = csrf_from(signed_in.get("/desk").text)
    response = signed_in.post(
        "/desk/api-keys", data={"csrf_token": token, "name": "x", "role": "admin"}
    )
    assert response.status_code == 403
    assert api_keys.list_keys(ctx) == []
    assert "API keys" not in signed_in.get("/desk").text
