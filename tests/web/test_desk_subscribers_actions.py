"""What staff do to one reader from the desk, over HTTP: resend the confirmation,
unsubscribe from a list and suppress (each asked first where it cannot be undone), all
audited, behind CSRF and roles, answered with a redirect so a reload posts nothing."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bulletin.domain.models import Role, SubscriptionStatus
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.store.readers import consent
from bulletin.store.readers import subscribers as subscriber_store
from bulletin.store.tables import audit_log, outbox
from tests.support.factories import (
    FakeClock,
    confirmed_reader,
    is_suppressed,
    suppress,
    web_requester,
)
from tests.support.web import csrf_from, signed_in_as

READER = "maria@readers.example.org"


def _pending(ctx: Context, lists: list[str] | None = None) -> int:
    result = subscriptions.sign_up(
        ctx, email=READER, list_slugs=lists or ["breaking"], requester=web_requester()
    )
    return result.subscriber_id


def _post(desk: TestClient, reader: int, action: str, **fields: str) -> httpx.Response:
    token = csrf_from(desk.get(f"/desk/subscribers/{reader}").text)
    return desk.post(
        f"/desk/subscribers/{reader}/{action}",
        data={"csrf_token": token, **fields},
        follow_redirects=False,
    )


def _flash_after(desk: TestClient, response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    page = desk.get(response.headers["location"]).text
    found = re.search(r'<p class="flash [a-z]+" role="[a-z]+">(.*?)</p>', page, re.S)
    assert found, "no flash message after the redirect"
    return html.unescape(found.group(1))


def _count(ctx: Context, table) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _audited(ctx: Context) -> list[tuple[str, str | None, object]]:
    with ctx.db.transaction() as conn:
        rows = conn.execute(
            select(audit_log.c.action, audit_log.c.target_id, audit_log.c.detail)
            .where(audit_log.c.action.like("subscriber.%"))
            .order_by(audit_log.c.id)
        )
        return [(row.action, row.target_id, row.detail) for row in rows]


def _status(ctx: Context, reader: int, list_id: int = 1) -> SubscriptionStatus | None:
    with ctx.db.transaction() as conn:
        return subscriber_store.statuses(conn, reader).get(list_id)


def test_resend_sends_the_confirmation_again_once_the_limit_allows(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    reader = _pending(ctx)
    desk = signed_in_as(client, ctx, Role.EDITOR)
    assert "Send the confirmation again" in desk.get(f"/desk/subscribers/{reader}").text
    clock.advance(seconds=ctx.settings.confirm_resend_s)
    message = _flash_after(desk, _post(desk, reader, "resend"))
    assert message == f"Confirmation sent again to {READER} (Breaking News Alerts)."
    assert _count(ctx, outbox) == 2
    assert _audited(ctx) == [("subscriber.resend_confirmation", str(reader), None)]


def test_resend_within_the_limit_says_when_and_sends_nothing(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    reader = _pending(ctx)
    sent_at = clock()
    clock.advance(minutes=4)
    desk = signed_in_as(client, ctx, Role.EDITOR)
    message = _flash_after(desk, _post(desk, reader, "resend"))
    again = sent_at + timedelta(minutes=10)
    assert message == (
        f"A confirmation went to this reader at {sent_at:%H:%M} UTC; "
        f"another can go at {again:%H:%M} UTC."
    )
    assert _count(ctx, outbox) == 1
    assert _audited(ctx) == []


def test_resend_refuses_a_confirmed_or_suppressed_reader(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    confirmed = confirmed_reader(ctx, ["breaking"], email="done@readers.example.org")
    pending = _pending(ctx)
    suppress(ctx, READER)
    clock.advance(hours=1)
    desk = signed_in_as(client, ctx, Role.EDITOR)
    before = _count(ctx, outbox)
    assert "has no list waiting for confirmation" in _flash_after(
        desk, _post(desk, confirmed, "resend")
    )
    assert "is suppressed" in _flash_after(desk, _post(desk, pending, "resend"))
    assert _count(ctx, outbox) == before


def test_unsubscribe_asks_first_then_takes_the_reader_off_that_list_only(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking", "morning-briefing"], email=READER)
    desk = signed_in_as(client, ctx, Role.EDITOR)
    asked = _post(desk, reader, "unsubscribe", list="breaking")
    assert asked.status_code == 200
    assert f"Take {READER} off Breaking News Alerts?" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert _status(ctx, reader) is SubscriptionStatus.CONFIRMED  # asking changes nothing
    done = _post(desk, reader, "unsubscribe", list="breaking", confirmed="yes")
    assert _flash_after(desk, done) == "Unsubscribed from Breaking News Alerts."
    assert _status(ctx, reader) is SubscriptionStatus.UNSUBSCRIBED
    assert _status(ctx, reader, list_id=3) is SubscriptionStatus.CONFIRMED
    with ctx.db.transaction() as conn:
        last = consent.history(conn, reader)[-1]
    assert (last["action"], last["method"]) == ("unsubscribe", "desk")
    assert _audited(ctx) == [("subscriber.unsubscribe", str(reader), {"list": "breaking"})]


def test_unsubscribe_from_a_list_they_are_not_on_is_a_message(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email=READER)
    desk = signed_in_as(client, ctx, Role.EDITOR)
    asked = _post(desk, reader, "unsubscribe", list="special-reports")
    assert "Choose one of the reader's lists." in _flash_after(desk, asked)
    forced = _post(desk, reader, "unsubscribe", list="special-reports", confirmed="yes")
    assert "is not on" in _flash_after(desk, forced)
    assert _audited(ctx) == []


def test_suppress_needs_a_reason_asks_first_and_keeps_the_reason(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email=READER)
    desk = signed_in_as(client, ctx, Role.EDITOR)
    no_reason = _post(desk, reader, "suppress", reason="  ")
    assert "Say why this address is suppressed" in _flash_after(desk, no_reason)
    asked = _post(desk, reader, "suppress", reason="Asked by phone <b>never</b> to be emailed")
    assert asked.status_code == 200 and f"Suppress {READER}?" in asked.text
    assert "&lt;b&gt;never&lt;/b&gt;" in asked.text
    assert not is_suppressed(ctx, READER)
    done = _post(desk, reader, "suppress", reason="Asked by phone", confirmed="yes")
    assert _flash_after(desk, done) == "Suppressed: nothing more is sent to this address."
    assert is_suppressed(ctx, READER)
    page = desk.get(f"/desk/subscribers/{reader}").text
    assert "(desk: Asked by phone)" in page
    assert f'action="/desk/subscribers/{reader}/suppress"' not in page  # nothing left to do
    assert _audited(ctx) == [("subscriber.suppress", str(reader), {"reason": "Asked by phone"})]


def test_a_reload_after_an_action_posts_nothing_again(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    reader = _pending(ctx)
    clock.advance(hours=1)
    desk = signed_in_as(client, ctx, Role.EDITOR)
    done = _post(desk, reader, "resend")
    assert done.headers["location"] == f"/desk/subscribers/{reader}"
    first = desk.get(done.headers["location"])
    again = desk.get(done.headers["location"])  # what a reload does: a GET
    assert "Confirmation sent again" in first.text
    assert "Confirmation sent again" not in again.text
    assert _count(ctx, outbox) == 2


@pytest.mark.parametrize("action", ["resend", "unsubscribe", "suppress"])
def test_a_viewer_may_look_but_not_act(
    client: TestClient, ctx: Context, clock: FakeClock, action: str
) -> None:
    reader = _pending(ctx)
    clock.advance(hours=1)
    viewer = signed_in_as(client, ctx, Role.VIEWER)
    page = viewer.get(f"/desk/subscribers/{reader}").text
    assert "Send the confirmation again" not in page and "Suppress…" not in page
    fields = {"list": "breaking", "reason": "x", "confirmed": "yes"}
    assert _post(viewer, reader, action, **fields).status_code == 403
    assert _status(ctx, reader) is SubscriptionStatus.PENDING
    assert not is_suppressed(ctx, READER) and _count(ctx, outbox) == 1
    assert _audited(ctx) == []


@pytest.mark.parametrize("action", ["resend", "unsubscribe", "suppress"])
def test_an_action_without_the_forms_token_is_refused(
    client: TestClient, ctx: Context, clock: FakeClock, action: str
) -> None:
    reader = _pending(ctx)
    clock.advance(hours=1)
    desk = signed_in_as(client, ctx, Role.ADMIN)
    fields = {"list": "breaking", "reason": "x", "confirmed": "yes", "csrf_token": "forged"}
    refused = desk.post(f"/desk/subscribers/{reader}/{action}", data=fields)
    assert refused.status_code == 403
    assert _status(ctx, reader) is SubscriptionStatus.PENDING
    assert not is_suppressed(ctx, READER) and _count(ctx, outbox) == 1


def test_an_action_on_a_reader_who_does_not_exist_is_not_found(
    client: TestClient, ctx: Context
) -> None:
    desk = signed_in_as(client, ctx, Role.EDITOR)
    token = csrf_from(desk.get("/desk/subscribers").text)
    for action in ("unsubscribe", "suppress"):
        posted = desk.post(
            f"/desk/subscribers/424242/{action}",
            data={"csrf_token": token, "list": "breaking", "reason": "x"},
        )
        assert posted.status_code == 404
    resent = desk.post(
        "/desk/subscribers/424242/resend", data={"csrf_token": token}, follow_redirects=False
    )
    assert resent.status_code == 404
