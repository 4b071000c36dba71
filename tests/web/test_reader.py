"""Reader pages over HTTP: the form, confirmation, unsubscribe, and what bad input gets."""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bulletin.domain.models import SubscriptionStatus
from bulletin.mail.tokens import Tokens
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.services.readers.signup_limits import SignUpLimits
from bulletin.store.readers import subscribers as subscriber_store
from bulletin.store.tables import outbox, subscribers
from bulletin.web.app import create_app
from tests.support.factories import FakeClock, confirmed_reader, unique_email, web_requester
from tests.support.web import csrf_from, sign_up


def _count(ctx: Context, table) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _status(ctx: Context, subscriber_id: int, list_id: int = 1) -> SubscriptionStatus | None:
    with ctx.db.transaction() as conn:
        return subscriber_store.statuses(conn, subscriber_id).get(list_id)


def _pending(ctx: Context) -> tuple[int, str]:
    email = unique_email()
    result = subscriptions.sign_up(
        ctx, email=email, list_slugs=["breaking"], requester=web_requester()
    )
    return result.subscriber_id, ctx.tokens.confirm(result.subscriber_id, result.email)


def test_sign_up_page_offers_the_three_lists(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    for slug in ("breaking", "special-reports", "morning-briefing"):
        assert f'value="{slug}"' in page.text
    assert "delivered weekday mornings" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"


def test_sign_up_stores_the_browser_time_zone(client: TestClient, ctx: Context) -> None:
    email = unique_email()
    response = sign_up(client, email, ["breaking", "morning-briefing"], time_zone="Asia/Tokyo")
    assert response.status_code == 303  # type: ignore[attr-defined]
    with ctx.db.transaction() as conn:
        subscriber = subscriber_store.find_by_key(conn, email.lower())
    assert subscriber is not None and subscriber.time_zone == "Asia/Tokyo"


def test_invalid_address_reshows_the_form_with_a_message_and_stores_nothing(
    client: TestClient, ctx: Context
) -> None:
    response = sign_up(client, "reader@@example", ["breaking"])
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "valid email address" in response.text  # type: ignore[attr-defined]
    assert 'value="reader@@example"' in response.text  # type: ignore[attr-defined]
    assert _count(ctx, subscribers) == 0


def test_form_without_csrf_token_is_refused(client: TestClient, ctx: Context) -> None:
    client.get("/")
    response = client.post("/subscribe", data={"email": unique_email(), "lists": ["breaking"]})
    assert response.status_code == 403
    assert _count(ctx, subscribers) == 0


def test_form_with_another_sessions_token_is_refused(client: TestClient, ctx: Context) -> None:
    with TestClient(create_app(ctx)) as other:
        foreign = csrf_from(other.get("/").text)
    client.get("/")
    response = client.post(
        "/subscribe", data={"csrf_token": foreign, "email": unique_email(), "lists": ["breaking"]}
    )
    assert response.status_code == 403


def test_signing_up_twice_sends_one_confirmation(client: TestClient, ctx: Context) -> None:
    email = unique_email()
    sign_up(client, email, ["breaking"])
    sign_up(client, email, ["breaking"])
    assert _count(ctx, subscribers) == 1
    assert _count(ctx, outbox) == 1


def test_confirm_link_shows_a_button_and_changes_nothing(client: TestClient, ctx: Context) -> None:
    subscriber_id, token = _pending(ctx)
    page = client.get(f"/confirm/{token}")
    assert page.status_code == 200
    assert 'method="post"' in page.text and "Confirm</button>" in page.text
    assert _status(ctx, subscriber_id) is SubscriptionStatus.PENDING


def test_confirm_button_confirms(client: TestClient, ctx: Context) -> None:
    subscriber_id, token = _pending(ctx)
    page = client.get(f"/confirm/{token}")
    done = client.post(f"/confirm/{token}", data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 200
    assert _status(ctx, subscriber_id) is SubscriptionStatus.CONFIRMED


def test_forged_confirm_link_gets_a_clear_page_and_changes_nothing(
    client: TestClient, ctx: Context
) -> None:
    subscriber_id, token = _pending(ctx)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    page = client.get(f"/confirm/{forged}")
    csrf = csrf_from(client.get("/").text)
    posted = client.post(f"/confirm/{forged}", data={"csrf_token": csrf})
    assert page.status_code == posted.status_code == 400
    assert "not valid" in page.text and "Nothing has been changed" in page.text
    assert _status(ctx, subscriber_id) is SubscriptionStatus.PENDING


def test_expired_confirm_link_says_so_and_changes_nothing(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    subscriber_id, token = _pending(ctx)
    clock.advance(hours=49)
    csrf = csrf_from(client.get("/").text)
    response = client.post(f"/confirm/{token}", data={"csrf_token": csrf})
    assert response.status_code == 400
    assert "expired" in response.text
    assert _status(ctx, subscriber_id) is SubscriptionStatus.PENDING


def test_unsubscribe_link_used_to_confirm_is_refused(client: TestClient, ctx: Context) -> None:
    subscriber_id, _ = _pending(ctx)
    wrong = ctx.tokens.unsubscribe(subscriber_id, 1)
    csrf = csrf_from(client.get("/").text)
    response = client.post(f"/confirm/{wrong}", data={"csrf_token": csrf})
    assert response.status_code == 400
    assert _status(ctx, subscriber_id) is SubscriptionStatus.PENDING


def test_unsubscribe_get_shows_a_button_and_changes_nothing(
    client: TestClient, ctx: Context
) -> None:
    subscriber_id = confirmed_reader(ctx)
    page = client.get(f"/unsubscribe/{ctx.tokens.unsubscribe(subscriber_id, 1)}")
    assert page.status_code == 200 and "Unsubscribe</button>" in page.text
    assert _status(ctx, subscriber_id) is SubscriptionStatus.CONFIRMED


def test_unsubscribe_button_unsubscribes(client: TestClient, ctx: Context) -> None:
    subscriber_id = confirmed_reader(ctx)
    path = f"/unsubscribe/{ctx.tokens.unsubscribe(subscriber_id, 1)}"
    page = client.get(path)
    done = client.post(path, data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 200 and "unsubscribed" in done.text
    assert _status(ctx, subscriber_id) is SubscriptionStatus.UNSUBSCRIBED


def test_unsubscribe_button_without_csrf_changes_nothing(client: TestClient, ctx: Context) -> None:
    subscriber_id = confirmed_reader(ctx)
    response = client.post(f"/unsubscribe/{ctx.tokens.unsubscribe(subscriber_id, 1)}", data={})
    assert response.status_code == 403
    assert _status(ctx, subscriber_id) is SubscriptionStatus.CONFIRMED


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_one_click_post_unsubscribes_at_once_without_cookie_or_redirect(
    ctx: Context, encoding: str
) -> None:
    subscriber_id = confirmed_reader(ctx)
    path = f"/unsubscribe/{ctx.tokens.unsubscribe(subscriber_id, 1)}"
    with TestClient(create_app(ctx)) as mail_client:
        if encoding == "urlencoded":
            response = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
        else:
            response = mail_client.post(
                path, files={"List-Unsubscribe": (None, "One-Click")}, follow_redirects=False
            )
    assert response.status_code == 200
    assert not response.history
    assert _status(ctx, subscriber_id) is SubscriptionStatus.UNSUBSCRIBED


def test_one_click_with_a_forged_token_changes_nothing(ctx: Context) -> None:
    subscriber_id = confirmed_reader(ctx)
    forged = Tokens("some-other-secret-key-which-is-long-enough").unsubscribe(subscriber_id, 1)
    with TestClient(create_app(ctx)) as mail_client:
        response = mail_client.post(
            f"/unsubscribe/{forged}", data={"List-Unsubscribe": "One-Click"}
        )
    assert response.status_code == 400
    assert _status(ctx, subscriber_id) is SubscriptionStatus.CONFIRMED


def test_markup_in_input_is_escaped(client: TestClient) -> None:
    response = sign_up(client, '<script>alert("x")</script>@x', ["breaking"])
    assert "<script>alert" not in response.text  # type: ignore[attr-defined]
    assert "&lt;script&gt;" in response.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("zone", ["America", "Etc", "posixrules/../UTC", "../../etc/passwd"])
def test_sign_up_with_a_time_zone_directory_keeps_the_newsroom_default(
    client: TestClient, ctx: Context, zone: str
) -> None:
    email = unique_email()

    response = sign_up(client, email, ["morning-briefing"], time_zone=zone)

    assert response.status_code == 303  # type: ignore[attr-defined]
    with ctx.db.transaction() as conn:
        subscriber = subscriber_store.find_by_key(conn, email.lower())
    assert subscriber is not None and subscriber.time_zone is None


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash [a-z]+" role="[a-z]+">(.*?)</p>', page, re.S)
    assert found, "the page shows no flash message"
    return found.group(1)


def _resend(client: TestClient) -> httpx.Response:
    token = csrf_from(client.get("/check-inbox").text)
    return client.post("/check-inbox/resend", data={"csrf_token": token}, follow_redirects=False)


def test_check_inbox_names_the_address_this_browser_typed_escaped(client: TestClient) -> None:
    sign_up(client, "o'brien&co@example.org", ["breaking"])
    page = client.get("/check-inbox").text
    assert '<strong class="address">o&#39;brien&amp;co@example.org</strong>' in page
    assert 'action="/check-inbox/resend"' in page


def test_check_inbox_forgets_the_address_once_its_link_would_have_expired(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    email = unique_email()
    sign_up(client, email, ["breaking"])
    clock.advance(seconds=ctx.settings.confirm_max_age_s + 1)
    page = client.get("/check-inbox").text
    assert email not in page and "/check-inbox/resend" not in page
    clock.advance(seconds=-ctx.settings.confirm_max_age_s)  # and it is gone, not hidden
    assert email not in client.get("/check-inbox").text


def test_check_inbox_without_a_sign_up_names_no_address_whatever_the_query(
    client: TestClient,
) -> None:
    page = client.get("/check-inbox", params={"email": "victim@example.org"}).text
    assert "victim@example.org" not in page
    assert "/check-inbox/resend" not in page
    assert "If that address can receive our emails" in page


def test_try_again_within_the_limit_says_so_and_when_and_sends_nothing(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    sign_up(client, unique_email(), ["breaking"])
    assert _count(ctx, outbox) == 1
    clock.advance(minutes=3)
    response = _resend(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/check-inbox"
    again = (clock() + timedelta(minutes=7)).astimezone(UTC)
    message = _flash(client.get("/check-inbox").text)
    assert "Not sent again yet" in message
    assert f"at {again:%H:%M} UTC, in 7 minutes" in message
    assert _count(ctx, outbox) == 1
    assert "Not sent again" not in client.get("/check-inbox").text  # shown once


def test_try_again_after_the_limit_sends_it_again(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    email = unique_email()
    sign_up(client, email, ["breaking"])
    clock.advance(seconds=ctx.settings.confirm_resend_s)
    assert _resend(client).status_code == 303
    assert _flash(client.get("/check-inbox").text) == f"Sent again to {email}."
    assert _count(ctx, outbox) == 2
    # The next try is counted from this one.
    clock.advance(minutes=1)
    _resend(client)
    assert "Not sent again yet" in _flash(client.get("/check-inbox").text)
    assert _count(ctx, outbox) == 2


def test_the_time_to_try_again_is_in_the_readers_own_zone(
    client: TestClient, clock: FakeClock
) -> None:
    sign_up(client, unique_email(), ["breaking"], time_zone="Asia/Tokyo")
    again = (clock() + timedelta(minutes=10)).astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"at {again:%H:%M} (Asia/Tokyo time)" in client.get("/check-inbox").text


def test_try_again_answers_alike_for_a_reader_who_already_confirmed(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    # Someone types a confirmed reader's address: the page must not tell them it is one.
    email = unique_email()
    confirmed_reader(ctx, email=email)
    before = _count(ctx, outbox)
    sign_up(client, email, ["breaking"])
    _resend(client)
    assert "Not sent again yet" in _flash(client.get("/check-inbox").text)
    clock.advance(seconds=ctx.settings.confirm_resend_s)
    _resend(client)
    assert _flash(client.get("/check-inbox").text) == f"Sent again to {email}."
    assert _count(ctx, outbox) == before  # nothing is sent to a confirmed reader


def test_try_again_past_the_mailbox_limit_says_when(ctx: Context, clock: FakeClock) -> None:
    changed = dataclasses.replace(ctx, settings=ctx.settings.replace(signup_limit_mailbox="1/hour"))
    limits = SignUpLimits(changed.settings, key_prefix=f"test-{uuid.uuid4().hex}")
    with TestClient(create_app(changed, signup_limits=limits)) as client:
        sign_up(client, unique_email(), ["breaking"])
        clock.advance(seconds=ctx.settings.confirm_resend_s)
        _resend(client)
        message = _flash(client.get("/check-inbox").text)
    assert message.startswith("Not sent again: We have sent several confirmation emails")
    assert re.search(r"That is at \d\d:\d\d UTC, in \d+ minutes\.$", message), message
    assert _count(ctx, outbox) == 1


def test_try_again_needs_the_forms_token_and_this_browsers_sign_up(
    client: TestClient, ctx: Context
) -> None:
    sign_up(client, unique_email(), ["breaking"])
    assert client.post("/check-inbox/resend", data={}).status_code == 403
    with TestClient(create_app(ctx)) as stranger:
        token = csrf_from(stranger.get("/").text)
        response = stranger.post(
            "/check-inbox/resend", data={"csrf_token": token}, follow_redirects=False
        )
        assert response.headers["location"] == "/"
        assert "not found in this browser" in _flash(stranger.get("/").text)
    assert _count(ctx, outbox) == 1
