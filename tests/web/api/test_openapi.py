"""The OpenAPI document tells the truth about errors: what it documents, the API answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bulletin.domain.models import Role
from bulletin.services.context import Context
from tests.support.api import key_headers

PROBLEM = {"$ref": "#/components/schemas/Problem"}
TOO_BIG = 2**63  # one past the largest row id


def _spec(client: TestClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/api/v1/openapi.json").json()
    return spec


def _documented(spec: dict[str, Any], method: str, path: str, status: int) -> Any:
    response = spec["paths"][path][method]["responses"][str(status)]
    return response["content"]["application/json"]["schema"]


def test_no_operation_documents_fastapis_list_shaped_validation_error(
    client: TestClient,
) -> None:
    text = json.dumps(_spec(client))
    assert "HTTPValidationError" not in text and "ValidationError" not in text
    assert _spec(client)["components"]["schemas"]["Problem"]["required"] == ["detail"]


@pytest.mark.parametrize(
    ("method", "path", "url", "role", "status"),
    [
        ("get", "/subscribers", "/api/v1/subscribers", None, 401),
        ("get", "/subscribers", "/api/v1/subscribers?after=-1", Role.VIEWER, 422),
        ("get", "/subscribers/{subscriber_id}", "/api/v1/subscribers/999", Role.VIEWER, 404),
        ("get", "/subscribers/{subscriber_id}", f"/api/v1/subscribers/{TOO_BIG}", Role.VIEWER, 422),
        ("get", "/subscribers/export", "/api/v1/subscribers/export", Role.VIEWER, 403),
        (
            "get",
            "/subscribers/{address}/export",
            "/api/v1/subscribers/nobody@example.com/export",
            Role.ADMIN,
            404,
        ),
        (
            "post",
            "/subscribers/{address}/erase",
            "/api/v1/subscribers/a/b@example.com/erase",
            Role.EDITOR,
            403,
        ),
        ("get", "/stories/{story_id}", "/api/v1/stories/5", Role.VIEWER, 404),
        ("post", "/campaigns/{campaign_id}/pause", "/api/v1/campaigns/1/pause", Role.VIEWER, 403),
        ("get", "/alerts/{campaign_id}", "/api/v1/alerts/x", Role.VIEWER, 422),
    ],
)
def test_each_error_answered_is_documented_with_its_real_body(
    client: TestClient,
    ctx: Context,
    method: str,
    path: str,
    url: str,
    role: Role | None,
    status: int,
) -> None:
    headers = key_headers(ctx, role) if role else {}
    response = client.request(method.upper(), url, headers=headers)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str) and body["detail"]
    assert _documented(_spec(client), method, path, status) == PROBLEM


def test_a_body_that_is_not_utf8_is_a_documented_400(client: TestClient, ctx: Context) -> None:
    headers = {**key_headers(ctx, Role.EDITOR), "Content-Type": "application/json"}
    response = client.post("/api/v1/alerts", content=b"\xc3\x28{", headers=headers)
    assert response.status_code == 400 and isinstance(response.json()["detail"], str)
    assert _documented(_spec(client), "post", "/alerts", 400) == PROBLEM


def test_the_imports_own_422_report_stays_documented_beside_the_problem(
    client: TestClient, ctx: Context
) -> None:
    headers = key_headers(ctx, Role.EDITOR)
    files = {"file": ("readers.csv", b"email\nnot-an-address\n", "text/csv")}
    report = client.post(
        "/api/v1/subscribers/import", files=files, data={"consent_source": "t"}, headers=headers
    )
    unbound = client.post("/api/v1/subscribers/import", files=files, headers=headers)
    assert report.status_code == 422 and "errors" in report.json()
    assert unbound.status_code == 422 and set(unbound.json()) == {"detail"}
    documented = _documented(_spec(client), "post", "/subscribers/import", 422)
    assert documented == {"anyOf": [{"$ref": "#/components/schemas/ImportReportPublic"}, PROBLEM]}
