"""Wire stories urgent enough for an alert show on the desk, ready to prepare, never sent alone."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.stories import ingest as stories
from bulletin.store.tables import campaigns
from tests.support.alerts import fire
from tests.support.web import signed_in_as

FLASH = {
    "uri": "urn:newsml:wire:flash-1",
    "headline": "Earthquake strikes the capital",
    "body_text": "A strong earthquake struck the capital on Wednesday morning.",
    "urgency": 1,
}


def _wire_flash(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "flash.json"
    path.write_text(json.dumps(FLASH))
    results = list(stories.ingest(ctx, str(path)))
    assert results[0].proposed == "flash"


def test_dashboard_lists_the_proposal_and_sends_nothing(
    client: TestClient, ctx: Context, tmp_path: Path
) -> None:
    _wire_flash(ctx, tmp_path)
    page = signed_in_as(client, ctx, Role.EDITOR).get("/desk")
    assert "Earthquake strikes the capital" in page.text
    assert "flash" in page.text and "Prepare this alert" in page.text
    with ctx.db.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(campaigns)).scalar_one() == 0


def test_preparing_a_proposal_fills_the_alert_form(
    client: TestClient, ctx: Context, tmp_path: Path
) -> None:
    _wire_flash(ctx, tmp_path)
    desk = signed_in_as(client, ctx, Role.EDITOR)
    story = desk.get("/desk").text.split('href="/desk/alerts/new?story=')[1].split('"')[0]
    form = desk.get(f"/desk/alerts/new?story={story}")
    assert 'id="headline" name="headline" required maxlength="200" value="Earthquake' in form.text
    assert f'name="story_id" value="{story}"' in form.text
    assert "A strong earthquake struck the capital" in form.text


def test_viewer_sees_proposals_but_cannot_prepare_them(
    client: TestClient, ctx: Context, tmp_path: Path
) -> None:
    _wire_flash(ctx, tmp_path)
    page = signed_in_as(client, ctx, Role.VIEWER).get("/desk")
    assert "Earthquake strikes the capital" in page.text
    assert "Prepare this alert" not in page.text


def test_sending_the_alert_of_a_proposal_takes_it_off_the_dashboard(
    client: TestClient, ctx: Context, tmp_path: Path
) -> None:
    _wire_flash(ctx, tmp_path)
    desk = signed_in_as(client, ctx, Role.EDITOR)
    story = desk.get("/desk").text.split('href="/desk/alerts/new?story=')[1].split('"')[0]
    sent = fire(desk, story_id=story, headline=str(FLASH["headline"]))
    assert sent.status_code == 303
    assert "Prepare this alert" not in desk.get("/desk").text
