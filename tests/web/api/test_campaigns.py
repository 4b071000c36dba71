"""/api/v1/campaigns: any campaign's live counts, and pause, resume and cancel by key."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.store.tables import audit_log
from tests.support.api import key_headers
from tests.support.factories import confirmed_reader

ALERT = {
    "headline": "Bridge closed after barge strike",
    "summary": "Traffic is diverted while engineers inspect the span.",
    "url": "https://news.example.com/bridge",
}


def _fire(client: TestClient, ctx: Context, readers: int = 3) -> int:
    for _ in range(readers):
        confirmed_reader(ctx, ["breaking"])
    fired = client.post("/api/v1/alerts", json=ALERT, headers=key_headers(ctx, Role.EDITOR))
    assert fired.status_code == 201, fired.text
    return int(fired.json()["campaign_id"])


def _last_audit(ctx: Context) -> tuple[str, str, str]:
    with ctx.db.transaction() as conn:
        row = conn.execute(
            select(audit_log.c.actor, audit_log.c.action, audit_log.c.target_id)
            .order_by(audit_log.c.id.desc())
            .limit(1)
        ).one()
    return row.actor, row.action, str(row.target_id)


def test_a_campaign_reports_its_live_counts(client: TestClient, ctx: Context) -> None:
    campaign_id = _fire(client, ctx)
    body = client.get(
        f"/api/v1/campaigns/{campaign_id}", headers=key_headers(ctx, Role.VIEWER)
    ).json()
    assert body["id"] == campaign_id and body["status"] == "sending"
    assert body["subject"] == ALERT["headline"]
    assert (body["total"], body["queued"], body["sent"]) == (3, 3, 0)
    assert body["eta_s"] is None


def test_an_editor_key_pauses_and_resumes_and_each_step_is_audited(
    client: TestClient, ctx: Context
) -> None:
    campaign_id = _fire(client, ctx)
    headers = key_headers(ctx, Role.EDITOR)
    paused = client.post(f"/api/v1/campaigns/{campaign_id}/pause", headers=headers)
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused" and "editor key" in paused.json()["reason"]
    actor, action, target = _last_audit(ctx)
    assert (action, target) == ("campaign.paused", str(campaign_id)) and "api-key:" in actor
    resumed = client.post(f"/api/v1/campaigns/{campaign_id}/resume", headers=headers)
    assert resumed.json()["status"] == "sending" and resumed.json()["queued"] == 3
    assert _last_audit(ctx)[1] == "campaign.sending"


def test_cancel_stops_every_message_not_yet_sent(client: TestClient, ctx: Context) -> None:
    campaign_id = _fire(client, ctx, readers=4)
    cancelled = client.post(
        f"/api/v1/campaigns/{campaign_id}/cancel", headers=key_headers(ctx, Role.ADMIN)
    ).json()
    assert cancelled["status"] == "cancelled" and cancelled["not_sent"] == 4
    assert (cancelled["cancelled"], cancelled["queued"]) == (4, 0)
    assert _last_audit(ctx)[1] == "campaign.cancel"


def test_a_viewer_key_reads_but_cannot_steer(client: TestClient, ctx: Context) -> None:
    campaign_id = _fire(client, ctx)
    viewer = key_headers(ctx, Role.VIEWER)
    for action in ("pause", "resume", "cancel"):
        refused = client.post(f"/api/v1/campaigns/{campaign_id}/{action}", headers=viewer)
        assert refused.status_code == 403, action
    assert client.get(f"/api/v1/campaigns/{campaign_id}", headers=viewer).json()["status"] == (
        "sending"
    )


def test_a_step_that_does_not_fit_the_campaign_is_refused_with_a_reason(
    client: TestClient, ctx: Context
) -> None:
    campaign_id = _fire(client, ctx)
    headers = key_headers(ctx, Role.EDITOR)
    refused = client.post(f"/api/v1/campaigns/{campaign_id}/resume", headers=headers)
    assert refused.status_code == 422 and "paused" in refused.json()["detail"]
    missing = client.get("/api/v1/campaigns/999999", headers=headers)
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]
    assert client.post("/api/v1/campaigns/1/pause").status_code == 401
