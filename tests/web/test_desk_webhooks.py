"""The desk's webhook pages over HTTP: admins only, CSRF, the secret shown once, the test event."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bulletin.domain.models import Role
from bulletin.domain.webhooks import EventType
from bulletin.services.context import Context
from bulletin.store.tables import audit_log, webhook_deliveries
from tests.support.web import csrf_from, session_json, signed_in_as

SECRET = re.compile(r'id="webhook-secret">(whsec_[A-Za-z0-9+/=]+)<')


def _add(client: TestClient, **fields: object) -> object:
    token = csrf_from(client.get("/desk/webhooks").text)
    data = {"csrf_token": token, "url": "https://crm.example.org/hooks", "description": "CRM"}
    data.update({"events": ["reader.confirmed", "reader.unsubscribed"], **fields})  # type: ignore[dict-item]
    return client.post("/desk/webhooks", data=data, follow_redirects=False)


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(
    client: TestClient, ctx: Context
) -> None:
    admin = signed_in_as(client, ctx, Role.ADMIN)
    added = _add(admin)
    assert added.status_code == 303  # type: ignore[attr-defined]
    where = added.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/desk/webhooks/\d+", where)
    # The session cookie is signed, not encrypted: the secret crosses the redirect sealed.
    assert "whsec_" not in session_json(admin)
    shown = admin.get(where)
    secret = SECRET.search(shown.text)
    assert secret and shown.headers["cache-control"] == "no-store"
    assert "Endpoint added." in shown.text
    again = admin.get(where)
    assert secret.group(1) not in again.text and "Reveal secret" in again.text
    revealing = admin.post(
        f"{where}/secret", data={"csrf_token": csrf_from(again.text)}, follow_redirects=False
    )
    assert revealing.status_code == 303 and "whsec_" not in session_json(admin)
    revealed = admin.get(where)
    assert SECRET.search(revealed.text).group(1) == secret.group(1)  # type: ignore[union-attr]
    with ctx.db.reading() as conn:
        actions = list(conn.execute(select(audit_log.c.action, audit_log.c.detail)))
    assert [a for a, _ in actions if a.startswith("webhook.")] == [
        "webhook.create",
        "webhook.reveal_secret",
    ]
    assert all(secret.group(1) not in str(detail) for _, detail in actions)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://crm.example.org/", "https://"),
        ("https://user:pw@crm.example.org/", "credentials"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://127.0.0.1:9000/", "loopback"),
        ("http://[::ffff:10.0.0.1]/", "private"),
    ],
)
def test_urls_that_are_not_public_http_are_refused(
    client: TestClient, ctx: Context, url: str, says: str
) -> None:
    admin = signed_in_as(client, ctx, Role.ADMIN)
    refused = _add(admin, url=url)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert says in refused.text  # type: ignore[attr-defined]
    assert "No endpoints yet." in refused.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_only_admins_reach_the_webhook_pages(client: TestClient, ctx: Context, role: Role) -> None:
    signed_in_as(client, ctx, Role.ADMIN)
    where = _add(client).headers["location"]  # type: ignore[attr-defined]
    other = signed_in_as(client, ctx, role)
    assert other.get("/desk/webhooks").status_code == 403
    assert other.get(where).status_code == 403
    assert "/desk/webhooks" not in other.get("/desk").text
    token = csrf_from(other.get("/desk").text)
    assert other.post(f"{where}/secret", data={"csrf_token": token}).status_code == 403


def test_a_form_without_its_csrf_token_changes_nothing(client: TestClient, ctx: Context) -> None:
    admin = signed_in_as(client, ctx, Role.ADMIN)
    where = _add(admin).headers["location"]  # type: ignore[attr-defined]
    assert admin.post(f"{where}/delete", data={}).status_code == 403
    assert admin.post(f"{where}/test", data={"csrf_token": "forged"}).status_code == 403
    assert admin.get(where).status_code == 200
    with ctx.db.reading() as conn:
        assert conn.execute(select(webhook_deliveries.c.id)).first() is None


def test_send_test_event_queues_it_and_the_log_shows_it(client: TestClient, ctx: Context) -> None:
    admin = signed_in_as(client, ctx, Role.ADMIN)
    where = _add(admin).headers["location"]  # type: ignore[attr-defined]
    page = admin.get(where)
    sent = admin.post(
        f"{where}/test", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert (sent.status_code, sent.headers["location"]) == (303, where)
    after = admin.get(where)
    assert "queued" in after.text and "<code>test</code>" in after.text
    assert re.search(r"Test event msg_[0-9a-f]{32} queued", after.text)
    with ctx.db.reading() as conn:
        types = list(conn.execute(select(webhook_deliveries.c.event_type)).scalars())
    assert types == [EventType.TEST]


def test_disable_then_delete(client: TestClient, ctx: Context) -> None:
    admin = signed_in_as(client, ctx, Role.ADMIN)
    where = _add(admin).headers["location"]  # type: ignore[attr-defined]
    token = csrf_from(admin.get(where).text)
    disabled = admin.post(f"{where}/enabled", data={"csrf_token": token, "enabled": "off"})
    assert "Disabled: no new events go to it." in disabled.text
    assert "disabled" in admin.get("/desk/webhooks").text
    asked = admin.post(f"{where}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert asked.status_code == 200 and "Delete this endpoint" in asked.text
    assert admin.get(where).status_code == 200  # asking deleted nothing
    gone = admin.post(
        f"{where}/delete",
        data={"csrf_token": token, "confirmed": "yes"},
        follow_redirects=False,
    )
    assert gone.headers["location"] == "/desk/webhooks"
    assert admin.get(where).status_code == 404
    assert "No endpoints yet." in admin.get("/desk/webhooks").text
