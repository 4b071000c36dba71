"""The REST API and reader identity: one reader per address in any spelling, refused
re-adds reported per row, and a reader's data rights (admin keys only)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.store.tables import audit_log, subscribers
from tests.support.api import key_headers
from tests.support.factories import (
    confirmed_reader,
    find_reader,
    is_suppressed,
    suppress,
    web_requester,
)

READER = "Case.Test@Example.com"


def _count(ctx: Context) -> int:
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(subscribers)).scalar_one())


def _import(client: TestClient, ctx: Context, data: bytes) -> dict[str, Any]:
    response = client.post(
        "/api/v1/subscribers/import",
        headers=key_headers(ctx, Role.EDITOR),
        data={"consent_source": "CMS registration", "lists": ["breaking"]},
        files={"file": ("r.csv", data)},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_case_variant_of_an_unsubscribed_reader_is_not_re_added_and_says_why(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email=READER)
    subscriptions.unsubscribe(ctx, ctx.tokens.unsubscribe(reader, 1), requester=web_requester())
    body = _import(client, ctx, b"email\ncase.test@example.com\n")
    day = f"{ctx.clock():%Y-%m-%d}"
    assert body["added"] == 0
    assert body["skipped"] == [
        {
            "line": 2,
            "email": "case.test@example.com",
            "message": f"Unsubscribed from Breaking News Alerts on {day}: not re-added.",
        }
    ]
    assert _count(ctx) == 1


def test_a_case_variant_of_a_suppressed_address_is_not_added(
    client: TestClient, ctx: Context
) -> None:
    suppress(ctx, READER, reason="complaint")
    body = _import(client, ctx, b"email\nCASE.TEST@example.com\n")
    assert [s["message"] for s in body["skipped"]] == [
        f"Suppressed on {ctx.clock():%Y-%m-%d} (complained): not added."
    ]
    assert _count(ctx) == 0


def test_a_reader_is_found_by_any_spelling_and_shown_as_typed(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email=READER)
    found = client.get(
        "/api/v1/subscribers",
        params={"email": "CASE.TEST@EXAMPLE.COM"},
        headers=key_headers(ctx, Role.VIEWER),
    ).json()
    assert [(i["id"], i["email"]) for i in found["items"]] == [(reader, "Case.Test@example.com")]


def test_an_admin_key_exports_a_readers_data(client: TestClient, ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email=READER)
    response = client.get(
        f"/api/v1/subscribers/{quote('case.test@example.com')}/export",
        headers=key_headers(ctx, Role.ADMIN),
    )
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["reader"]["id"] == reader
    assert [c["action"] for c in document["consent"]] == ["sign_up", "confirm"]
    with ctx.db.transaction() as conn:
        entry = conn.execute(
            select(audit_log.c.actor).where(audit_log.c.action == "subscriber.export")
        ).scalar_one()
    assert entry.startswith("api-key:bk_")


def test_an_admin_key_erases_a_reader_and_the_suppression_stays(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email=READER)
    suppress(ctx, READER)
    response = client.post(
        "/api/v1/subscribers/CASE.TEST@example.com/erase", headers=key_headers(ctx, Role.ADMIN)
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "subscriber_id": reader,
        "ledger_rows": 0,
        "cancelled": 0,
        "events": 0,
        "suppression_kept": True,
    }
    assert find_reader(ctx, READER) is None and is_suppressed(ctx, READER)
    again = client.post(
        "/api/v1/subscribers/CASE.TEST@example.com/erase", headers=key_headers(ctx, Role.ADMIN)
    )
    assert again.status_code == 404 and "it may have been erased" in again.json()["detail"]


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_only_admin_keys_reach_a_readers_data_rights(
    client: TestClient, ctx: Context, role: Role
) -> None:
    confirmed_reader(ctx, ["breaking"], email=READER)
    headers = key_headers(ctx, role)
    exported = client.get(f"/api/v1/subscribers/{READER}/export", headers=headers)
    erased = client.post(f"/api/v1/subscribers/{READER}/erase", headers=headers)
    assert (exported.status_code, erased.status_code) == (403, 403)
    assert find_reader(ctx, READER) is not None
