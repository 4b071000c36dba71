"""The desk's "Send a test" on the briefing page: the editor or staff only, editors only, CSRF."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from bulletin.domain.models import Editor, Role
from bulletin.services import test_send_jobs
from bulletin.services.briefing import editions as briefing
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.web.app import create_app
from tests.support.briefing import add_story
from tests.support.factories import FakeClock, make_editor
from tests.support.smtp_sink import SmtpSink
from tests.support.web import csrf_from, sign_in

PASSWORD = "a-long-password-1"
TUESDAY = date(2026, 11, 24)
STAFF = "seed@news.example.com"


@pytest.fixture
def client(ctx: Context, clock: FakeClock, smtp_sink: SmtpSink) -> Iterator[TestClient]:
    clock.now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Monday afternoon
    ctx.settings = ctx.settings.replace(smtp_url=smtp_sink.url, staff_seed_list=(STAFF,))
    add_story(ctx, urgency=2, headline="Parliament dissolved")
    briefing.assemble(ctx, TUESDAY, actor=None)
    with TestClient(create_app(ctx)) as test_client:
        yield test_client


def _as(client: TestClient, ctx: Context, role: Role = Role.EDITOR) -> Editor:
    editor = make_editor(ctx, role=role, password=PASSWORD)
    sign_in(client, editor.email, PASSWORD)
    return editor


def _test_send(client: TestClient, *to: str, csrf: bool = True, follow: bool = True) -> object:
    page = client.get("/desk/briefing?date=2026-11-24")
    data: dict[str, object] = {"date": "2026-11-24", "segment": "0", "to": list(to)}
    if csrf:
        data["csrf_token"] = csrf_from(page.text)
    return client.post("/desk/briefing/test-send", data=data, follow_redirects=follow)


def test_a_test_to_nobody_says_so_on_the_page(
    client: TestClient, ctx: Context, smtp_sink: SmtpSink
) -> None:
    _as(client, ctx)
    response = _test_send(client)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert 'class="flash error"' in response.text  # type: ignore[attr-defined]
    assert smtp_sink.received == []


def test_an_editor_sends_a_test_to_themselves_and_sees_the_outcome(
    client: TestClient, ctx: Context, smtp_sink: SmtpSink
) -> None:
    editor = _as(client, ctx)
    page = client.get("/desk/briefing?date=2026-11-24")
    assert "Send a test" in page.text and STAFF in page.text

    response = _test_send(client, editor.email, follow=False)

    # Post/redirect/get: the answer is a redirect to the test's page, which says it once.
    assert response.status_code == 303  # type: ignore[attr-defined]
    location = response.headers["location"]  # type: ignore[attr-defined]
    assert location.startswith("/desk/test-sends/")
    assert smtp_sink.received == []  # queued: the request did not wait on the relay
    shown = client.get(location).text
    assert f"Test queued for {editor.email}, subject marked [TEST]." in shown
    assert "Test queued for" not in client.get(location).text  # a reload neither says nor sends
    assert test_send_jobs.run_one(ctx, "worker-1")
    done = client.get(location).text
    assert f"Test sent to {editor.email}, subject marked [TEST]." in done
    assert 'href="/desk/briefing?date=2026-11-24&amp;segment=0"' in done  # back to the edition
    (received,) = smtp_sink.received
    assert received.rcpt_tos == [editor.email]
    assert str(received.message["Subject"]).strip().startswith("[TEST] Morning Briefing, ")
    with ctx.db.transaction() as conn:
        entry = audit.recent(conn)[0]
    assert (entry["action"], entry["actor"]) == ("briefing.test_send", editor.email)


def test_an_address_not_allowed_from_the_desk_is_refused(
    client: TestClient, ctx: Context, smtp_sink: SmtpSink
) -> None:
    _as(client, ctx)
    response = _test_send(client, "outsider@example.org")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "BULLETIN_STAFF_SEED_LIST" in response.text  # type: ignore[attr-defined]
    assert smtp_sink.received == []


def test_a_viewer_cannot_send_a_test(client: TestClient, ctx: Context, smtp_sink: SmtpSink) -> None:
    viewer = _as(client, ctx, Role.VIEWER)
    page = client.get("/desk/briefing?date=2026-11-24")
    assert page.status_code == 200 and "Send a test" not in page.text
    assert _test_send(client, viewer.email).status_code == 403  # type: ignore[attr-defined]
    assert smtp_sink.received == []


def test_a_test_send_without_the_csrf_token_is_refused(
    client: TestClient, ctx: Context, smtp_sink: SmtpSink
) -> None:
    editor = _as(client, ctx)
    response = _test_send(client, editor.email, csrf=False)
    assert response.status_code in (400, 403)  # type: ignore[attr-defined]
    assert smtp_sink.received == []
