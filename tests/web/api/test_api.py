"""The REST API over HTTP: keys and roles, readers, import and export, alerts and their status."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bulletin.domain.models import Role
from bulletin.services.alerts import races
from bulletin.services.context import Context
from bulletin.services.staff import api_keys
from bulletin.store.tables import audit_log, campaigns, deliveries, subscribers
from bulletin.web.app import create_app
from tests.support.api import key_headers
from tests.support.factories import confirmed_reader

ALERT = {
    "headline": "Storm makes landfall",
    "summary": "The hurricane came ashore at dawn.",
    "url": "https://news.example.com/storm",
}


def _count(ctx: Context, table) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _audit(ctx: Context) -> list[tuple[str, str]]:
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(audit_log.c.actor, audit_log.c.action).order_by(audit_log.c.id))
        return [(r.actor, r.action) for r in rows]


def test_openapi_docs_describe_the_api(client: TestClient) -> None:
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = client.get("/api/v1/openapi.json").json()
    assert {
        "/subscribers",
        "/subscribers/import",
        "/alerts",
        "/alerts/{campaign_id}",
        "/campaigns/{campaign_id}/pause",
    } <= set(spec["paths"])
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer bk_not-a-real-key"}, {"Authorization": "Basic dXNlcjpwdw=="}],
)
def test_requests_without_a_valid_key_are_refused(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.get("/api/v1/subscribers", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "API key" in response.json()["detail"]


def test_a_revoked_key_stops_working(client: TestClient, ctx: Context) -> None:
    key, secret = api_keys.create_key(ctx, name="old", role=Role.ADMIN, actor=None)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/subscribers", headers=headers).status_code == 200
    api_keys.revoke_key(ctx, key.id, actor=None)
    assert client.get("/api/v1/subscribers", headers=headers).status_code == 401


def test_subscribers_are_read_page_by_page(client: TestClient, ctx: Context) -> None:
    ids = [confirmed_reader(ctx, ["breaking"]) for _ in range(3)]
    headers = key_headers(ctx, Role.VIEWER)
    first = client.get("/api/v1/subscribers", params={"limit": 2}, headers=headers).json()
    assert [item["id"] for item in first["items"]] == ids[:2]
    assert first["items"][0]["lists"] == {"breaking": "confirmed"}
    assert first["items"][0]["briefing_time"] == "06:00"
    rest = client.get(
        "/api/v1/subscribers", params={"limit": 2, "after": first["next_after"]}, headers=headers
    ).json()
    assert [item["id"] for item in rest["items"]] == ids[2:]
    assert rest["next_after"] is None


def test_one_subscriber_by_id_or_address(client: TestClient, ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["special-reports"], email="maria@example.org")
    headers = key_headers(ctx, Role.VIEWER)
    one = client.get(f"/api/v1/subscribers/{reader}", headers=headers).json()
    assert one["email"] == "maria@example.org" and one["lists"] == {"special-reports": "confirmed"}
    found = client.get(
        "/api/v1/subscribers", params={"email": "maria@EXAMPLE.org"}, headers=headers
    ).json()
    assert [item["id"] for item in found["items"]] == [reader]
    assert client.get("/api/v1/subscribers/999999", headers=headers).status_code == 404


def test_an_editor_key_imports_a_file_and_the_import_is_audited(
    client: TestClient, ctx: Context
) -> None:
    response = client.post(
        "/api/v1/subscribers/import",
        headers=key_headers(ctx, Role.EDITOR),
        data={"consent_source": "CMS registration", "lists": ["breaking"]},
        files={"file": ("r.csv", b"email\nann@readers.example.org\nbob@readers.example.org\n")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["added"] == 2 and response.json()["imported"] is True
    assert _count(ctx, subscribers) == 2
    (actor, action) = _audit(ctx)[-1]
    assert action == "subscribers.import" and actor.startswith("api-key:bk_")


def test_a_file_with_problems_imports_nothing_and_reports_them(
    client: TestClient, ctx: Context
) -> None:
    response = client.post(
        "/api/v1/subscribers/import",
        headers=key_headers(ctx, Role.EDITOR),
        data={"consent_source": "CMS", "lists": ["breaking"]},
        files={"file": ("r.csv", b"email\nann@readers.example.org\nnope\n")},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["line"] == 3
    assert _count(ctx, subscribers) == 0


def test_export_streams_csv(client: TestClient, ctx: Context) -> None:
    confirmed_reader(ctx, ["breaking"], email="maria@example.org")
    response = client.get("/api/v1/subscribers/export", headers=key_headers(ctx, Role.EDITOR))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["email"] for r in rows] == ["maria@example.org"]


def test_an_editor_key_fires_an_alert_and_reads_its_status(
    client: TestClient, ctx: Context
) -> None:
    for _ in range(2):
        confirmed_reader(ctx, ["breaking"])
    headers = key_headers(ctx, Role.EDITOR)
    fired = client.post("/api/v1/alerts", json=ALERT, headers=headers)
    assert fired.status_code == 201, fired.text
    body = fired.json()
    assert body["recipients"] == 2
    assert body["status_url"] == f"/api/v1/alerts/{body['campaign_id']}"
    status = client.get(body["status_url"], headers=headers).json()
    assert status["counts"]["queued"] == 2 and status["counts"]["total"] == 2
    assert status["done"] is False
    actor, action = _audit(ctx)[-1]
    assert action == "alert.fire" and "editor key" in actor


def test_a_viewer_key_reads_but_cannot_send_import_or_export(
    client: TestClient, ctx: Context
) -> None:
    headers = key_headers(ctx, Role.VIEWER)
    assert client.post("/api/v1/alerts", json=ALERT, headers=headers).status_code == 403
    assert client.get("/api/v1/subscribers/export", headers=headers).status_code == 403
    imported = client.post(
        "/api/v1/subscribers/import",
        headers=headers,
        data={"consent_source": "x", "lists": ["breaking"]},
        files={"file": ("r.csv", b"email\nann@readers.example.org\n")},
    )
    assert imported.status_code == 403
    assert _count(ctx, campaigns) == 0 and _count(ctx, subscribers) == 0


@pytest.mark.parametrize(
    ("field", "value"), [("url", "javascript:alert(1)"), ("headline", "Bad\r\nBcc: x@y.z")]
)
def test_an_invalid_alert_is_refused_with_a_reason(
    client: TestClient, ctx: Context, field: str, value: str
) -> None:
    response = client.post(
        "/api/v1/alerts", json={**ALERT, field: value}, headers=key_headers(ctx, Role.EDITOR)
    )
    assert response.status_code == 422
    assert response.json()["detail"]
    assert _count(ctx, campaigns) == 0


def test_status_of_an_unknown_alert_is_404(client: TestClient, ctx: Context) -> None:
    response = client.get("/api/v1/alerts/424242", headers=key_headers(ctx, Role.VIEWER))
    assert response.status_code == 404


def test_with_second_editor_approval_an_api_alert_waits_for_the_desk(ctx: Context) -> None:
    confirmed_reader(ctx, ["breaking"])
    held = Context(settings=ctx.settings.replace(alert_approval=True), db=ctx.db, clock=ctx.clock)
    with TestClient(create_app(held), base_url="http://bulletin.example.com") as client:
        fired = client.post("/api/v1/alerts", json=ALERT, headers=key_headers(ctx, Role.EDITOR))
    body = fired.json()
    assert fired.status_code == 201 and body["awaiting_approval"] is True
    assert _count(ctx, deliveries) == 0
    assert _audit(ctx)[-1][1] == "alert.propose"


def test_an_api_alert_can_race_subjects(ctx: Context) -> None:
    for _ in range(30):
        confirmed_reader(ctx, ["breaking"])
    counting = Context(
        settings=ctx.settings.replace(click_tracking="aggregate"), db=ctx.db, clock=ctx.clock
    )
    test = {"subjects": ["Storm ashore: evacuations go on"], "share_percent": 30, "minutes": 4}
    with TestClient(create_app(counting), base_url="http://bulletin.example.com") as client:
        headers = key_headers(ctx, Role.EDITOR)
        fired = client.post("/api/v1/alerts", json={**ALERT, "subject_test": test}, headers=headers)
        short = client.post(
            "/api/v1/alerts",
            json={**ALERT, "subject_test": {**test, "minutes": 1}},
            headers=headers,
        )

    assert fired.status_code == 201, fired.text
    race = races.race(counting, fired.json()["campaign_id"])
    assert race is not None
    assert race.test.subjects == (ALERT["headline"], "Storm ashore: evacuations go on")
    assert (race.test.share_percent, race.test.window_s) == (30, 240)
    assert short.status_code == 422 and "3 to 120 minutes" in short.json()["detail"]
