"""Who may read /metrics: loopback, the allowed networks, or the bearer of the token."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from bulletin.config import Settings
from bulletin.services.health.metrics_access import may_read
from tests.support.factories import make_settings

TOKEN = "a-scraper-token-of-some-length"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        f"sqlite:///{tmp_path / 'b.db'}",
        metrics_token=TOKEN,
        metrics_networks=(ipaddress.ip_network("10.20.0.0/16"),),
    )


@pytest.mark.parametrize("client", ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.20.3.4"])
def test_loopback_and_the_allowed_networks_need_no_token(settings: Settings, client: str) -> None:
    assert may_read(settings, client=client, authorization="")


@pytest.mark.parametrize("client", ["10.21.0.1", "192.0.2.7", "testclient", None])
def test_anyone_else_needs_the_token(settings: Settings, client: str | None) -> None:
    assert not may_read(settings, client=client, authorization="")
    assert not may_read(settings, client=client, authorization=f"Bearer {TOKEN}x")
    assert not may_read(settings, client=client, authorization=TOKEN)
    assert may_read(settings, client=client, authorization=f"Bearer {TOKEN}")


def test_without_a_token_set_no_authorization_opens_it(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'b.db'}")
    assert not may_read(settings, client="192.0.2.7", authorization="Bearer ")
