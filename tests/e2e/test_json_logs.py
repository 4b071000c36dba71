"""`BULLETIN_LOG_FORMAT=json` on `bulletin serve`: every line one object, requests by id."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.support.served import Served, serving, wait_for


def _lines(served: Served) -> list[dict[str, object]]:
    lines = served.log.read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def _access_line(served: Served, request_id: str) -> dict[str, object] | None:
    for line in _lines(served):
        if line.get("logger") == "uvicorn.access" and line.get("request_id") == request_id:
            return line
    return None


def test_each_request_is_logged_as_json_with_its_id_and_without_tokens(tmp_path: Path) -> None:
    with serving(tmp_path, {"BULLETIN_LOG_FORMAT": "json"}) as served:
        kept = httpx.get(
            served.base_url + "/unsubscribe/WzEsMV0.secret-token",
            headers={"X-Request-ID": "edge-4711"},
            timeout=5,
        )
        assert kept.headers["x-request-id"] == "edge-4711"
        replaced = httpx.get(
            served.base_url + "/healthz", headers={"X-Request-ID": "not an id"}, timeout=5
        )
        made = replaced.headers["x-request-id"]
        assert made != "not an id" and len(made) == 32

        line = wait_for(lambda: _access_line(served, "edge-4711"), "the access line")
        assert "/unsubscribe/[token]" in str(line["message"])
        assert wait_for(lambda: _access_line(served, made), "the second access line")
        assert "secret-token" not in served.log.read_text()
        started = [line for line in _lines(served) if "engine" in str(line["message"])]
        assert started and all("worker" in line for line in started)
