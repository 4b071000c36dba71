"""The whole path, end to end: sign up, confirm, fire, deliver over SMTP, leave in one click.

Real ASGI app over HTTP (TestClient), a real aiosmtpd server on loopback as the
relay, the real worker, a real database (each test runs on SQLite and PostgreSQL).
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.web.app import create_app
from tests.support.alerts import review, send
from tests.support.engines import engine_for
from tests.support.factories import make_editor, unique_email
from tests.support.smtp_sink import SmtpSink
from tests.support.web import csrf_from, link_in, path_of, sign_in, sign_up, unsubscribe_url

PASSWORD = "a-long-password-1"


def test_sign_up_confirm_alert_unsubscribe(ctx: Context, smtp_sink: SmtpSink) -> None:
    app = create_app(ctx)
    worker = engine_for(ctx, smtp_sink.url)
    readers = [unique_email() for _ in range(3)]

    # Three readers sign up for breaking news; each gets one confirmation request.
    for email in readers:
        with TestClient(app) as browser:
            response = sign_up(browser, email, ["breaking"])
            assert response.status_code == 303  # type: ignore[attr-defined]
            assert response.headers["location"] == "/check-inbox"  # type: ignore[attr-defined]
    worker.run_until_idle()
    assert all(len(smtp_sink.messages_to(email)) == 1 for email in readers)

    # Two of them follow the link: a page with a button (GET changes nothing), then confirm.
    for email in readers[:2]:
        (confirmation,) = smtp_sink.messages_to(email)
        link = path_of(link_in(confirmation, "http://bulletin.example.com/confirm/"))
        with TestClient(app) as browser:
            page = browser.get(link)
            assert page.status_code == 200 and "Confirm" in page.text
            done = browser.post(link, data={"csrf_token": csrf_from(page.text)})
            assert done.status_code == 200 and "You're subscribed" in done.text

    # An editor fires an alert from the desk: exactly the two confirmed readers get it.
    editor = make_editor(ctx, password=PASSWORD)
    with TestClient(app) as desk:
        sign_in(desk, editor.email, PASSWORD)
        reviewed = review(
            desk,
            headline="Storm makes landfall",
            summary="The hurricane came ashore at dawn. Evacuations continue.",
            url="https://news.example.com/storm",
        )
        assert 'id="recipient-count">2</strong>' in reviewed.text
        fired = send(desk, reviewed.text)
        assert fired.status_code == 303
    worker.run_until_idle()
    alerts_received = smtp_sink.list_mail()
    assert sorted(r for m in alerts_received for r in m.rcpt_tos) == sorted(readers[:2])
    for received in alerts_received:
        message = received.message
        assert message["Subject"] == "Storm makes landfall"
        assert message["From"] == "Newsroom Alerts <alerts@news.example.com>"
        assert message["List-Id"] == '"Breaking News Alerts" <breaking.news.example.com>'
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Date"] is not None
        assert message["Message-ID"].endswith("@news.example.com>")
        assert message.get_content_type() == "multipart/alternative"

    # One reader leaves with the mail client's one-click POST: no cookie, no redirect.
    leaving = smtp_sink.list_mail_to(readers[0])[0]
    with TestClient(app) as mail_client:
        response = mail_client.post(
            path_of(unsubscribe_url(leaving)),
            data={"List-Unsubscribe": "One-Click"},
            follow_redirects=False,
        )
        assert response.status_code == 200
        assert "set-cookie" not in response.headers

    # The next alert reaches only the one who stayed.
    before = len(smtp_sink.list_mail())
    alerts.fire_alert(
        ctx,
        AlertDraft(
            headline="Storm weakens",
            summary="Winds have dropped.",
            url="https://news.example.com/s2",
        ),
        actor=None,
    )
    worker.run_until_idle()
    latest = smtp_sink.list_mail()[before:]
    assert [r for m in latest for r in m.rcpt_tos] == [readers[1]]
