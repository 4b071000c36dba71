"""Fault-test fixtures: a database of their own per test, an SMTP sink process, alerts."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bulletin.domain.models import AlertDraft, CampaignStatus
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store import campaigns, migrate
from bulletin.store.db import Database
from tests.support.factories import make_settings
from tests.support.processes import Sink

ALERT = AlertDraft(
    headline="Dam breached upstream of the city",
    summary="Residents of the river districts are told to move to higher ground now.",
    url="https://news.example.com/live/dam",
)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "faults.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A migrated PostgreSQL database for this test alone, dropped afterwards."""
    server = make_url(postgres_server_url)
    name = f"bulletin_fault_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[Sink]:
    started = Sink(tmp_path).start()
    yield started
    started.stop()


def fire(database_url: str, tmp_path: Path) -> int:
    """Fire the alert as an editor would (first ledger chunk written); returns its id."""
    ctx = Context.from_settings(make_settings(tmp_path, database_url))
    try:
        return alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    finally:
        ctx.db.dispose()


def finished(db: Database, campaign_id: int) -> Callable[[], bool]:
    def check() -> bool:
        with db.transaction() as conn:
            campaign = campaigns.get(conn, campaign_id)
        return campaign is not None and campaign.status is CampaignStatus.SENT

    return check
