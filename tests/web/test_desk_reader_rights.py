"""The desk and a reader's identity and data rights over HTTP: search in any letter case,
export and erasure for admins only, erasure behind a typed confirmation and CSRF."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.store.tables import audit_log
from tests.support.factories import confirmed_reader, find_reader, is_suppressed, suppress
from tests.support.web import csrf_from, signed_in_as

READER = "Maria.Lopez@Example.org"


def _erase(client: TestClient, reader: int, typed: str, *, token: str | None = None) -> object:
    page = client.get(f"/desk/subscribers/{reader}/erase")
    assert page.status_code == 200
    form = {"confirm_address": typed, "csrf_token": token or csrf_from(page.text)}
    return client.post(f"/desk/subscribers/{reader}/erase", data=form)


def test_search_finds_a_reader_by_any_spelling_of_the_whole_address(
    client: TestClient, ctx: Context
) -> None:
    confirmed_reader(ctx, email=READER)
    desk = signed_in_as(client, ctx, Role.VIEWER)
    page = desk.get("/desk/subscribers", params={"q": "MARIA.LOPEZ@EXAMPLE.ORG"})
    assert "Maria.Lopez@example.org" in page.text and "1 reader matching" in page.text


def test_an_admin_sees_the_data_rights_and_downloads_the_readers_data(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email=READER)
    desk = signed_in_as(client, ctx, Role.ADMIN)
    page = desk.get(f"/desk/subscribers/{reader}")
    assert "Data rights" in page.text and f"/desk/subscribers/{reader}/erase" in page.text
    download = desk.get(f"/desk/subscribers/{reader}/export.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert download.json()["reader"]["email"] == "Maria.Lopez@example.org"


def test_erasure_needs_the_address_typed_and_then_keeps_the_suppression(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email=READER)
    suppress(ctx, READER)
    desk = signed_in_as(client, ctx, Role.ADMIN)
    wrong = _erase(desk, reader, "someone@example.org")
    assert wrong.status_code == 422  # type: ignore[attr-defined]
    assert "address exactly to confirm the erasure" in wrong.text  # type: ignore[attr-defined]
    assert find_reader(ctx, READER) is not None
    done = _erase(desk, reader, "maria.lopez@example.org")  # any letter case confirms
    assert done.status_code == 200  # type: ignore[attr-defined]
    # Post/redirect/get: the answer is the list, so a reload posts nothing again.
    assert [r.status_code for r in done.history] == [303]  # type: ignore[attr-defined]
    assert done.url.path == "/desk/subscribers"  # type: ignore[attr-defined]
    assert f"Reader {reader} was erased" in done.text  # type: ignore[attr-defined]
    assert "stays suppressed" in done.text  # type: ignore[attr-defined]
    assert find_reader(ctx, READER) is None and is_suppressed(ctx, READER)
    with ctx.db.transaction() as conn:
        actions = list(conn.execute(select(audit_log.c.action)).scalars())
    assert "subscriber.erase" in actions


def test_erasure_without_the_forms_token_is_refused(client: TestClient, ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email=READER)
    desk = signed_in_as(client, ctx, Role.ADMIN)
    refused = _erase(desk, reader, READER, token="forged")
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert find_reader(ctx, READER) is not None


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_only_admins_reach_a_readers_data_rights(
    client: TestClient, ctx: Context, role: Role
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email=READER)
    desk = signed_in_as(client, ctx, role)
    page = desk.get(f"/desk/subscribers/{reader}")
    assert "Data rights" not in page.text
    token = csrf_from(page.text)
    assert desk.get(f"/desk/subscribers/{reader}/export.json").status_code == 403
    assert desk.get(f"/desk/subscribers/{reader}/erase").status_code == 403
    posted = desk.post(
        f"/desk/subscribers/{reader}/erase", data={"confirm_address": READER, "csrf_token": token}
    )
    assert posted.status_code == 403
    assert find_reader(ctx, READER) is not None
