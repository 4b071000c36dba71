"""/healthz and /readyz on `bulletin serve`, asked over HTTP as a load balancer asks."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.ports import free_port
from tests.support.served import serving, wait_for


def _ready(base_url: str) -> httpx.Response | None:
    response = httpx.get(base_url + "/readyz", timeout=5)
    return response if response.status_code == 200 else None


def test_the_embedded_default_is_up_and_then_ready_once_its_engine_beats(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        health = httpx.get(served.base_url + "/healthz", timeout=5)
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        ready = wait_for(lambda: _ready(served.base_url), "/readyz to answer 200")
        body = ready.json()
        assert body["status"] == "ready"
        assert set(body["checks"]) == {"database", "schema", "mail_route", "worker"}
        assert all(check["ok"] for check in body["checks"].values())
        assert "mail catcher" in body["checks"]["mail_route"]["detail"]
        assert ready.headers["cache-control"] == "no-store"


def test_a_relay_that_cannot_be_reached_makes_it_not_ready_and_says_which(
    tmp_path: Path,
) -> None:
    relay = f"smtp://alerts:relay-pa55word@127.0.0.1:{free_port()}"
    with serving(tmp_path, {"BULLETIN_RELAYS": relay}) as served:
        response = httpx.get(served.base_url + "/readyz", timeout=5)
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "not ready"
        route = body["checks"]["mail_route"]
        assert route["ok"] is False and "127.0.0.1" in route["detail"]
        assert body["checks"]["database"]["ok"] is True
        assert "relay-pa55word" not in response.text
