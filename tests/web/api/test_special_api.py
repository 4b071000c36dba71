"""/api/v1/special-reports: create and schedule in newsroom time, cancel, read; roles and audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bulletin.delivery import starts
from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.staff import api_keys
from bulletin.store.tables import audit_log
from bulletin.web.app import create_app
from tests.support.factories import FakeClock, confirmed_reader

REPORT = {
    "headline": "The last glacier",
    "dek": "A decade of melt.",
    "hero": {"url": "https://img.example.com/ice.jpg", "credit": "Staff"},
    "sections": [{"heading": "Then", "body_html": "<p>Ice.</p><script>x()</script>"}],
    "at": "2026-12-02 07:30",
}


@pytest.fixture
def client(ctx: Context, clock: FakeClock) -> Iterator[TestClient]:
    ctx.settings = ctx.settings.replace(time_zone="America/Chicago")
    clock.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    with TestClient(create_app(ctx), base_url="http://bulletin.example.com") as test_client:
        yield test_client


def _auth(ctx: Context, role: Role) -> dict[str, str]:
    _, secret = api_keys.create_key(ctx, name=f"{role.value} key", role=role, actor=None)
    return {"Authorization": f"Bearer {secret}"}


def test_create_schedules_in_newsroom_time(client: TestClient, ctx: Context) -> None:
    response = client.post("/api/v1/special-reports", json=REPORT, headers=_auth(ctx, Role.EDITOR))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "scheduled"
    assert body["scheduled_at"].startswith("2026-12-02T13:30")  # 07:30 CST
    assert body["newsroom_time"] == "Wed 2 Dec 2026, 07:30 CST"
    read = client.get(f"/api/v1/special-reports/{body['id']}", headers=_auth(ctx, Role.VIEWER))
    assert read.json()["headline"] == "The last glacier"
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(audit_log.c.actor, audit_log.c.action).order_by(audit_log.c.id))
        entries = [(r.actor, r.action) for r in rows if r.action.startswith("special.")]
    assert [action for _, action in entries] == ["special.create", "special.schedule"]
    assert all(actor.startswith("api-key:") for actor, _ in entries)


def test_viewer_keys_cannot_create_or_cancel(client: TestClient, ctx: Context) -> None:
    viewer = _auth(ctx, Role.VIEWER)
    assert client.post("/api/v1/special-reports", json=REPORT, headers=viewer).status_code == 403
    created = client.post("/api/v1/special-reports", json=REPORT, headers=_auth(ctx, Role.EDITOR))
    report_id = created.json()["id"]
    cancel = client.post(f"/api/v1/special-reports/{report_id}/cancel", headers=viewer)
    assert cancel.status_code == 403
    assert client.get(f"/api/v1/special-reports/{report_id}", headers=viewer).json()["status"] == (
        "scheduled"
    )


def test_bad_input_is_a_422_with_the_reason(client: TestClient, ctx: Context) -> None:
    editor = _auth(ctx, Role.EDITOR)
    gap = client.post(
        "/api/v1/special-reports", json={**REPORT, "at": "2027-03-14 02:30"}, headers=editor
    )
    assert gap.status_code == 422 and "does not exist" in gap.json()["detail"]
    injected = client.post(
        "/api/v1/special-reports", json={**REPORT, "subject": "Hi\r\nBcc: x@y.org"}, headers=editor
    )
    assert injected.status_code == 422 and "line break" in injected.json()["detail"]


def test_cancel_until_started_then_refused(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    editor = _auth(ctx, Role.EDITOR)
    confirmed_reader(ctx, lists=["special-reports"])
    first = client.post("/api/v1/special-reports", json=REPORT, headers=editor).json()
    second = client.post("/api/v1/special-reports", json=REPORT, headers=editor).json()
    cancelled = client.post(f"/api/v1/special-reports/{first['id']}/cancel", headers=editor)
    assert cancelled.json()["status"] == "cancelled"

    clock.now = datetime(2026, 12, 2, 13, 30, tzinfo=UTC)
    (campaign_id,) = starts.start_due_reports(ctx.db, now=clock.now)
    refused = client.post(f"/api/v1/special-reports/{second['id']}/cancel", headers=editor)
    assert refused.status_code == 422 and "started sending" in refused.json()["detail"]
    status = client.get(f"/api/v1/special-reports/{second['id']}", headers=editor).json()
    assert (status["status"], status["campaign_id"]) == ("sending", campaign_id)
