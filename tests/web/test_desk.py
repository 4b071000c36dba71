"""The editor's desk over HTTP: sign-in, firing alerts, roles, CSRF and the mail catcher."""

from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bulletin.domain.models import Role
from bulletin.mail.catcher import MailCatcher
from bulletin.services.context import Context
from bulletin.store.tables import audit_log, campaigns
from tests.support.alerts import ALERT, fire, review
from tests.support.factories import confirmed_reader, make_editor
from tests.support.ports import free_port
from tests.support.tokens import tampered
from tests.support.web import csrf_from, sign_in

PASSWORD = "a-long-password-1"


def _signed_in(client: TestClient, ctx: Context, role: Role = Role.EDITOR) -> TestClient:
    editor = make_editor(ctx, role=role, password=PASSWORD)
    sign_in(client, editor.email, PASSWORD)
    return client


def _campaigns(ctx: Context) -> int:
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(campaigns)).scalar_one())


def test_desk_requires_sign_in(client: TestClient) -> None:
    for path, login in (
        ("/desk", "/desk/login"),
        ("/desk/catcher", "/desk/login?next=%2Fdesk%2Fcatcher"),
    ):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == login


def test_wrong_password_is_refused_with_a_message(client: TestClient, ctx: Context) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    token = csrf_from(client.get("/desk/login").text)
    response = client.post(
        "/desk/login", data={"csrf_token": token, "email": editor.email, "password": "nope-nope"}
    )
    assert response.status_code == 401
    assert "do not match" in response.text
    assert client.get("/desk", follow_redirects=False).status_code == 303


def test_desk_cookie_is_http_only_and_tampering_signs_you_out(
    client: TestClient, ctx: Context
) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    token = csrf_from(client.get("/desk/login").text)
    response = client.post(
        "/desk/login",
        data={"csrf_token": token, "email": editor.email, "password": PASSWORD},
        follow_redirects=False,
    )
    desk_cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("bulletin_desk=")
    )
    assert "httponly" in desk_cookie.lower() and "samesite=lax" in desk_cookie.lower()
    assert client.get("/desk", follow_redirects=False).status_code == 200

    value = client.cookies["bulletin_desk"]
    client.cookies.clear()
    client.cookies.set("bulletin_desk", value)
    assert client.get("/desk", follow_redirects=False).status_code == 200
    client.cookies.clear()
    client.cookies.set("bulletin_desk", tampered(value))
    assert client.get("/desk", follow_redirects=False).status_code == 303


def test_editor_fires_an_alert_to_confirmed_readers(client: TestClient, ctx: Context) -> None:
    for _ in range(3):
        confirmed_reader(ctx)
    signed_in = _signed_in(client, ctx)
    assert 'id="recipient-count">3</strong> Breaking News readers' in review(signed_in).text
    response = fire(signed_in)
    assert response.status_code == 303
    assert "3 readers" not in response.text
    progress = signed_in.get(response.headers["location"])
    assert ALERT["headline"] in progress.text and 'id="queued">3<' in progress.text
    with ctx.db.transaction() as conn:
        actions = conn.execute(select(audit_log.c.action, audit_log.c.actor)).all()
    assert ("alert.fire", "editor") not in actions  # the actor is the editor's address
    assert any(action == "alert.fire" and "@" in actor for action, actor in actions)


def test_headline_with_a_line_break_is_refused_clearly(client: TestClient, ctx: Context) -> None:
    response = review(_signed_in(client, ctx), headline="Breaking\r\nBcc: everyone@example.com")
    assert response.status_code == 422
    assert "line break" in response.text
    assert _campaigns(ctx) == 0


def test_link_must_be_a_web_address(client: TestClient, ctx: Context) -> None:
    response = review(_signed_in(client, ctx), url="javascript:alert(1)")
    assert response.status_code == 422
    assert _campaigns(ctx) == 0


def test_viewer_cannot_send(client: TestClient, ctx: Context) -> None:
    signed_in = _signed_in(client, ctx, role=Role.VIEWER)
    assert "can view the desk but not send" in signed_in.get("/desk").text
    token = csrf_from(signed_in.get("/desk").text)
    for path in ("/desk/alerts/review", "/desk/alerts", "/desk/alerts/test"):
        response = signed_in.post(path, data={"csrf_token": token, **ALERT})
        assert response.status_code == 403, path
    assert signed_in.get("/desk/alerts/new").status_code == 403
    assert _campaigns(ctx) == 0


def test_alert_form_without_csrf_is_refused(client: TestClient, ctx: Context) -> None:
    signed_in = _signed_in(client, ctx)
    reviewed = review(signed_in)
    for path in ("/desk/alerts/review", "/desk/alerts/test", "/desk/alerts/preview"):
        assert signed_in.post(path, data=ALERT).status_code == 403, path
    token = reviewed.text.split('name="review_token" value="')[1].split('"')[0]
    response = signed_in.post("/desk/alerts", data={"review_token": token})
    assert response.status_code == 403
    assert _campaigns(ctx) == 0


def test_sign_out_ends_the_session(client: TestClient, ctx: Context) -> None:
    signed_in = _signed_in(client, ctx)
    token = csrf_from(signed_in.get("/desk").text)
    signed_in.post("/desk/logout", data={"csrf_token": token})
    assert signed_in.get("/desk", follow_redirects=False).status_code == 303


def _send_to_catcher(port: int, subject: str, html: str) -> None:
    message = EmailMessage()
    message["From"] = "alerts@news.example.com"
    message["To"] = "reader@readers.example.org"
    message["Subject"] = subject
    message.set_content("plain body https://news.example.com/story?id=1")
    message.add_alternative(html, subtype="html")
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(message)


def test_catcher_page_lists_and_shows_caught_mail(
    client: TestClient, ctx: Context, tmp_path: Path
) -> None:
    catcher = MailCatcher(ctx.settings.catcher_dir, port=free_port())
    catcher.start()
    try:
        _send_to_catcher(catcher.port, "Caught <one>", "<p>Hello <script>evil()</script></p>")
    finally:
        catcher.stop()
    signed_in = _signed_in(client, ctx)

    listing = signed_in.get("/desk/catcher")
    assert "Caught &lt;one&gt;" in listing.text
    assert "reader@readers.example.org" in listing.text
    key = listing.text.split('href="/desk/catcher/')[1].split('"')[0]
    view = signed_in.get(f"/desk/catcher/{key}")
    html = signed_in.get(f"/desk/catcher/{key}/html")

    assert view.status_code == 200 and "plain body" in view.text
    assert 'href="https://news.example.com/story?id=1"' in view.text  # links are listed
    assert "sandbox" in html.headers["content-security-policy"]
    assert signed_in.get("/desk/catcher/no-such-key").status_code == 404


def test_a_viewer_may_not_open_the_mail_catcher_nor_see_its_link(
    client: TestClient, ctx: Context
) -> None:
    catcher = MailCatcher(ctx.settings.catcher_dir, port=free_port())
    catcher.start()
    try:
        _send_to_catcher(catcher.port, "Confirm your sign-up", "<p>https://x/confirm/t</p>")
    finally:
        catcher.stop()
    editor = _signed_in(TestClient(client.app), ctx, Role.EDITOR)
    key = editor.get("/desk/catcher").text.split('href="/desk/catcher/')[1].split('"')[0]
    viewer = _signed_in(client, ctx, Role.VIEWER)

    answers = [
        viewer.get(p)
        for p in ("/desk/catcher", f"/desk/catcher/{key}", f"/desk/catcher/{key}/html")
    ]

    assert [a.status_code for a in answers] == [403, 403, 403]
    assert "only editors and admins may open it" in answers[0].text
    assert "Confirm your sign-up" not in answers[0].text + answers[1].text
    assert 'href="/desk/catcher"' not in viewer.get("/desk").text
    assert 'href="/desk/catcher"' in editor.get("/desk").text


def test_the_dashboard_shows_the_last_days_complaint_rate(client: TestClient, ctx: Context) -> None:
    editor = make_editor(ctx, password=PASSWORD)
    sign_in(client, editor.email, PASSWORD)

    page = client.get("/desk")

    section = re.search(r'<section[^>]*id="reputation".*?</section>', page.text, re.S)
    assert section is not None
    assert "0 complaints over 0 delivered" in section.group(0)
    assert "never reach 0.3 %" in section.group(0)
