"""The public archive: every sent message's web version, its lists and feeds, no reader in them."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from bulletin.domain.models import AlertDraft
from bulletin.domain.reports import ReportContent, Section
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.special_reports import scheduling as reports
from bulletin.store import audit
from tests.support.engines import engine_for
from tests.support.factories import FakeClock, confirmed_reader, unique_email
from tests.support.smtp_sink import SmtpSink
from tests.support.web import csrf_from, path_of, signed_in_as

ALERT = AlertDraft(
    headline="Levee breaks north of the city",
    summary="Residents of the river wards are told to leave now.",
    url="https://news.example.com/levee",
)
REPORT = ReportContent(
    headline="The river that came back",
    subject="Special report: the river that came back",
    dek="A year after the flood, a town rebuilds.",
    sections=(Section("The night", "<p>The water rose at midnight.</p>"),),
    cta_url="https://news.example.com/river",
)
ATOM = "{http://www.w3.org/2005/Atom}"


def html_of(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())


def sent_alert(ctx: Context, smtp_sink: SmtpSink, readers: list[str]) -> int:
    for email in readers:
        confirmed_reader(ctx, lists=["breaking", "special-reports"], email=email)
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    engine_for(ctx, smtp_sink.url).run_until_idle()
    return campaign_id


def sent_report(ctx: Context, clock: FakeClock, smtp_sink: SmtpSink) -> int:
    due = clock.now + timedelta(hours=1)
    reports.create(ctx, REPORT, actor=None, at=f"{due:%Y-%m-%d %H:%M}")  # the zone is UTC
    clock.now = due
    engine = engine_for(ctx, smtp_sink.url)
    engine.run_until_idle()
    engine.run_until_idle()
    (campaign_id,) = {
        int(re.findall(r"bulletin\.c(\d+)\.", str(r.message["Message-ID"]))[0])
        for r in smtp_sink.list_mail()
        if r.message["Subject"] == REPORT.subject
    }
    return campaign_id


def reader_values(messages: list[EmailMessage]) -> set[str]:
    """Every reader's address and token in what we sent them (links end in the token)."""
    values = set()
    for message in messages:
        values.add(str(message["To"]))
        for url in re.findall(r'href="([^"]+)"', html_of(message)):
            if "/unsubscribe/" in url or "/preferences/" in url:
                values.add(url.rsplit("/", 1)[1])
    return values


def test_view_in_browser_opens_the_message_as_its_readers_got_it(
    client: TestClient, ctx: Context, smtp_sink: SmtpSink
) -> None:
    campaign_id = sent_alert(ctx, smtp_sink, [unique_email()])
    (message,) = [r.message for r in smtp_sink.list_mail()]
    (view,) = re.findall(r'href="([^"]+)"[^>]*>View in browser<', html_of(message))
    assert view.endswith(f"/archive/breaking/{campaign_id}")

    page = client.get(path_of(view, ctx.settings.base_url))

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert ALERT.headline in page.text and ALERT.summary in page.text
    assert "set-cookie" not in page.headers
    assert "View in browser" not in page.text and "Unsubscribe" not in page.text


def test_no_archive_page_holds_any_readers_address_or_token(
    client: TestClient, ctx: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    readers = [unique_email() for _ in range(4)]
    alert_id = sent_alert(ctx, smtp_sink, readers)
    report_id = sent_report(ctx, clock, smtp_sink)
    secrets = reader_values([r.message for r in smtp_sink.list_mail()])
    assert len(secrets) >= 3 * len(readers)  # each reader's address and two tokens

    paths = [
        "/archive",
        "/archive/breaking",
        "/archive/special-reports",
        "/archive/morning-briefing",
        "/archive/breaking/feed.atom",
        "/archive/special-reports/feed.atom",
        f"/archive/breaking/{alert_id}",
        f"/archive/special-reports/{report_id}",
    ]
    pages = {path: client.get(path) for path in paths}

    assert {path: r.status_code for path, r in pages.items()} == dict.fromkeys(paths, 200)
    assert REPORT.dek in pages[f"/archive/special-reports/{report_id}"].text
    for path, response in pages.items():
        found = [value for value in secrets if value.lower() in response.text.lower()]
        assert found == [], f"{path} shows {found}"


def test_the_feeds_are_atom_with_one_entry_per_sent_message(
    client: TestClient, ctx: Context, smtp_sink: SmtpSink
) -> None:
    alert_id = sent_alert(ctx, smtp_sink, [unique_email()])

    response = client.get("/archive/breaking/feed.atom")

    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == ALERT.headline
    link = entry.find(f"{ATOM}link")
    assert link is not None and link.get("href", "").endswith(f"/archive/breaking/{alert_id}")
    assert client.get("/archive/morning-briefing/feed.atom").status_code == 404


def test_an_unsent_alert_is_not_in_the_archive(client: TestClient, ctx: Context) -> None:
    confirmed_reader(ctx, lists=["breaking"])
    draft = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id  # fanned out, none sent yet

    assert client.get(f"/archive/special-reports/{draft}").status_code == 404
    assert client.get(f"/archive/breaking/{draft + 100}").status_code == 404
    assert client.get("/archive/no-such-list").status_code == 404


def test_a_page_is_rendered_once_however_many_read_it(
    client: TestClient, ctx: Context, smtp_sink: SmtpSink
) -> None:
    alert_id = sent_alert(ctx, smtp_sink, [unique_email()])
    bodies = {client.get(f"/archive/breaking/{alert_id}").text for _ in range(20)}

    assert len(bodies) == 1
    assert client.app.state.archive_cache.renders == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("reason", ["", "   "])
def test_withdrawing_needs_a_reason(
    client: TestClient, ctx: Context, smtp_sink: SmtpSink, reason: str
) -> None:
    alert_id = sent_alert(ctx, smtp_sink, [unique_email()])
    desk = signed_in_as(client, ctx)
    token = csrf_from(desk.get(f"/desk/campaigns/{alert_id}").text)

    refused = desk.post(
        f"/desk/archive/{alert_id}/withdraw", data={"csrf_token": token, "reason": reason}
    )

    assert refused.status_code == 422 and "Say why" in refused.text
    assert client.get(f"/archive/breaking/{alert_id}").status_code == 200


def test_a_withdrawn_message_leaves_the_archive_at_once_and_is_audited(
    client: TestClient, ctx: Context, smtp_sink: SmtpSink
) -> None:
    alert_id = sent_alert(ctx, smtp_sink, [unique_email()])
    assert client.get(f"/archive/breaking/{alert_id}").status_code == 200  # now cached
    assert ALERT.headline in client.get("/archive/breaking").text
    desk = signed_in_as(client, ctx)
    page = desk.get(f"/desk/campaigns/{alert_id}")
    assert "Withdraw from the archive" in page.text

    done = desk.post(
        f"/desk/archive/{alert_id}/withdraw",
        data={"csrf_token": csrf_from(page.text), "reason": "Wrong ward named"},
        follow_redirects=False,
    )

    assert done.status_code == 303
    assert client.get(f"/archive/breaking/{alert_id}").status_code == 404
    assert ALERT.headline not in client.get("/archive/breaking").text
    assert ALERT.headline not in client.get("/archive/breaking/feed.atom").text
    with ctx.db.reading() as conn:
        entry = next(e for e in audit.recent(conn) if e["action"] == "archive.withdraw")
    assert entry["target_id"] == str(alert_id) and entry["detail"] == {"reason": "Wrong ward named"}
