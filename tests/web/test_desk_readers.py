"""Desk pages about readers over HTTP: search, one reader's record, import and export, roles."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bulletin.domain.models import AlertDraft, Role
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.tables import subscribers
from tests.support.factories import confirmed_reader
from tests.support.web import csrf_from, signed_in_as


def _subscribers(ctx: Context) -> int:
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(subscribers)).scalar_one())


def _upload(client: TestClient, data: str, **fields: object) -> object:
    token = csrf_from(client.get("/desk/subscribers").text)
    form = {"csrf_token": token, "lists": ["breaking"], "source": "Print opt-in", "attest": "yes"}
    return client.post(
        "/desk/subscribers/import",
        data={**form, **fields},
        files={"file": ("readers.csv", data.encode(), "text/csv")},
    )


def test_search_finds_readers_by_the_start_of_their_address(
    client: TestClient, ctx: Context
) -> None:
    confirmed_reader(ctx, email="maria.lopez@example.org")
    confirmed_reader(ctx, email="tom@elsewhere.example")
    viewer = signed_in_as(client, ctx, Role.VIEWER)
    page = viewer.get("/desk/subscribers", params={"q": "MARIA.L"})
    assert "maria.lopez@example.org" in page.text
    assert "tom@elsewhere.example" not in page.text
    assert "1 reader matching" in page.text
    assert "0 readers matching" in viewer.get("/desk/subscribers", params={"q": "lopez"}).text


def test_search_treats_wildcards_literally(client: TestClient, ctx: Context) -> None:
    confirmed_reader(ctx, email="maria@example.org")
    page = signed_in_as(client, ctx, Role.VIEWER).get("/desk/subscribers", params={"q": "%"})
    assert "0 readers matching" in page.text


def test_a_readers_page_shows_lists_consent_and_what_was_sent(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email="maria@example.org")
    alerts.fire_alert(
        ctx, AlertDraft("Dam bursts upstream", "Evacuate now.", "https://n.example/dam"), actor=None
    )
    page = signed_in_as(client, ctx, Role.VIEWER).get(f"/desk/subscribers/{reader}")
    assert page.status_code == 200
    assert "maria@example.org" in page.text
    assert "Breaking News Alerts" in page.text and "confirmed" in page.text
    assert "sign up" in page.text and "confirm" in page.text  # the consent record
    assert "Dam bursts upstream" in page.text and "queued" in page.text  # the ledger
    assert client.get("/desk/subscribers/999999").status_code == 404


def test_an_editor_imports_a_clean_file(client: TestClient, ctx: Context) -> None:
    response = _upload(
        signed_in_as(client, ctx, Role.EDITOR),
        "email\nann@readers.example.org\nbob@readers.example.org\n",
    )
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Imported. 2 subscriptions added" in response.text  # type: ignore[attr-defined]
    assert _subscribers(ctx) == 2


def test_a_file_with_a_bad_row_imports_nothing_and_lists_the_row(
    client: TestClient, ctx: Context
) -> None:
    response = _upload(
        signed_in_as(client, ctx, Role.EDITOR), "email\nann@readers.example.org\n<b>bad</b>\n"
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "Nothing was imported" in response.text  # type: ignore[attr-defined]
    assert "&lt;b&gt;bad&lt;/b&gt;" in response.text  # type: ignore[attr-defined]
    assert _subscribers(ctx) == 0


def test_import_needs_the_consent_statement(client: TestClient, ctx: Context) -> None:
    signed_in = signed_in_as(client, ctx, Role.EDITOR)
    response = _upload(signed_in, "email\nann@readers.example.org\n", attest="")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert _subscribers(ctx) == 0


def test_export_downloads_every_reader_as_csv(client: TestClient, ctx: Context) -> None:
    confirmed_reader(ctx, ["breaking"], email="maria@example.org")
    response = signed_in_as(client, ctx, Role.EDITOR).get("/desk/subscribers/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["email"], r["breaking"]) for r in rows] == [("maria@example.org", "confirmed")]


def test_a_viewer_can_look_but_not_import_or_export(client: TestClient, ctx: Context) -> None:
    viewer = signed_in_as(client, ctx, Role.VIEWER)
    assert "Import readers" not in viewer.get("/desk/subscribers").text
    assert viewer.get("/desk/subscribers/export.csv").status_code == 403
    response = _upload(viewer, "email\nann@readers.example.org\n")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert _subscribers(ctx) == 0


def test_import_without_csrf_is_refused(client: TestClient, ctx: Context) -> None:
    signed_in = signed_in_as(client, ctx, Role.EDITOR)
    response = signed_in.post(
        "/desk/subscribers/import",
        data={"lists": ["breaking"], "source": "x", "attest": "yes"},
        files={"file": ("r.csv", b"email\nann@readers.example.org\n", "text/csv")},
    )
    assert response.status_code == 403
    assert _subscribers(ctx) == 0


def test_reader_pages_need_sign_in(client: TestClient) -> None:
    for path in ("/desk/subscribers", "/desk/subscribers/1", "/desk/subscribers/export.csv"):
        assert client.get(path, follow_redirects=False).status_code == 303
