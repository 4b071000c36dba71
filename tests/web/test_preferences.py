"""The preference centre over HTTP: reached from the link in an alert, saved with CSRF."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from fastapi.testclient import TestClient
from sqlalchemy import select

from bulletin.domain.models import Campaign, CampaignKind, CampaignStatus, SubscriptionStatus
from bulletin.mail.compose import CampaignMessages, Links
from bulletin.services.context import Context
from bulletin.store import lists as list_store
from bulletin.store.readers import subscribers as subscriber_store
from bulletin.store.tables import subscribers
from tests.support.factories import confirmed_reader
from tests.support.web import csrf_from, link_in, path_of


def _email_of(ctx: Context, subscriber_id: int) -> str:
    with ctx.db.transaction() as conn:
        return str(
            conn.execute(
                select(subscribers.c.email).where(subscribers.c.id == subscriber_id)
            ).scalar_one()
        )


def _alert_to(ctx: Context, subscriber_id: int) -> EmailMessage:
    """The alert this reader would receive, built by the real composer."""
    with ctx.db.transaction() as conn:
        breaking = list_store.by_slugs(conn, ["breaking"])[0]
    campaign = Campaign(
        id=7,
        kind=CampaignKind.ALERT,
        list_id=breaking.id,
        status=CampaignStatus.SENDING,
        subject="Bridge closed",
        headline="Bridge closed",
        summary="Traffic diverted.",
        url="https://news.example.com/bridge",
        created_at=ctx.clock(),
    )
    composer = CampaignMessages(
        campaign,
        breaking,
        links=Links.from_settings(ctx.settings),
        tokens=ctx.tokens,
        date=ctx.clock(),
    )
    envelope = composer.envelope(
        key=1, subscriber_id=subscriber_id, email=_email_of(ctx, subscriber_id)
    )
    message = message_from_bytes(envelope.data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _centre_path(ctx: Context, subscriber_id: int) -> str:
    return f"/preferences/{ctx.tokens.preferences(subscriber_id, _email_of(ctx, subscriber_id))}"


def test_every_alert_links_to_the_readers_own_preference_centre(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking"])
    message = _alert_to(ctx, reader)
    link = path_of(link_in(message, "http://bulletin.example.com/preferences/"))
    html = message.get_body(("html",))
    assert html is not None and "manage your emails" in html.get_content()

    page = client.get(link)
    assert page.status_code == 200
    assert _email_of(ctx, reader) in page.text
    assert 'name="briefing_time"' in page.text and 'value="06:00"' in page.text
    assert '<option value="Europe/London"' in page.text


def test_saving_preferences_joins_a_list_and_changes_the_time_zone(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking"])
    path = _centre_path(ctx, reader)
    token = csrf_from(client.get(path).text)
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "lists": ["breaking", "morning-briefing"],
            "topics": ["world"],
            "time_zone": "Asia/Kolkata",
            "briefing_time": "06:30",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{path}?saved=1"
    assert "Your preferences are saved" in client.get(response.headers["location"]).text
    with ctx.db.transaction() as conn:
        statuses = subscriber_store.statuses(conn, reader)
        subscriber = subscriber_store.get(conn, reader)
    assert statuses[3] is SubscriptionStatus.CONFIRMED
    assert subscriber is not None
    assert (subscriber.time_zone, subscriber.briefing_time) == ("Asia/Kolkata", "06:30")


def test_an_unknown_time_zone_reshows_the_page_with_a_message(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking"])
    path = _centre_path(ctx, reader)
    token = csrf_from(client.get(path).text)
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "lists": ["breaking"],
            "time_zone": "Nowhere/Land",
            "briefing_time": "06:00",
        },
    )
    assert response.status_code == 422
    assert "not a time zone we know" in response.text


def test_saving_without_the_csrf_token_is_refused(client: TestClient, ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["breaking"])
    path = _centre_path(ctx, reader)
    client.get(path)
    response = client.post(path, data={"lists": [], "time_zone": "", "briefing_time": "06:00"})
    assert response.status_code == 403
    with ctx.db.transaction() as conn:
        assert subscriber_store.statuses(conn, reader)[1] is SubscriptionStatus.CONFIRMED


def test_a_damaged_link_gets_a_clear_page(client: TestClient, ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["breaking"])
    response = client.get(_centre_path(ctx, reader)[:-4] + "abcd")
    assert response.status_code == 400
    assert "preferences link is not valid" in response.text


def test_an_expired_link_says_so(client: TestClient, ctx: Context, clock) -> None:  # type: ignore[no-untyped-def]
    reader = confirmed_reader(ctx, ["breaking"])
    path = _centre_path(ctx, reader)
    clock.advance(seconds=ctx.settings.unsubscribe_max_age_s + 1)
    assert "has expired" in client.get(path).text


def test_leave_everything_button_unsubscribes_from_all_lists(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking", "special-reports"])
    path = _centre_path(ctx, reader)
    token = csrf_from(client.get(path).text)
    response = client.post(f"{path}/leave", data={"csrf_token": token})
    assert response.status_code == 200 and "unsubscribed from everything" in response.text
    with ctx.db.transaction() as conn:
        statuses = set(subscriber_store.statuses(conn, reader).values())
    assert statuses == {SubscriptionStatus.UNSUBSCRIBED}


def test_the_token_never_reaches_another_site_as_a_referrer(
    client: TestClient, ctx: Context
) -> None:
    reader = confirmed_reader(ctx, ["breaking"])
    response = client.get(_centre_path(ctx, reader))
    assert response.headers["referrer-policy"] == "no-referrer"
