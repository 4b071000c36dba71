"""Counted links end to end: `bulletin serve` sends an alert through a real SMTP server on
loopback, the links are taken from the delivered messages and clicked over real HTTP,
a link scanner's early fetches are set aside, and the desk's report shows the counts."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.db import Database
from bulletin.store.tables import link_clicks
from tests.support.factories import (
    SECRET,
    SUPPRESSION_KEY,
    confirmed_reader,
    make_editor,
    make_settings,
    unique_email,
)
from tests.support.served import serving, wait_for
from tests.support.smtp_sink import SmtpSink
from tests.support.web import sign_in

SUBJECT = "Dam gates opened"
STORY = "https://news.example.com/2026/12/03/dam"
BROWSER = {"user-agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) Safari/605.1.15"}
SCANNER = {"user-agent": "Mozilla/5.0 (compatible; Mimecast URL Protect)"}
PASSWORD = "a-long-password-1"
_LINK = re.compile(r"http://127\.0\.0\.1:\d+(/r/\S+)")


def _counts(db: Database) -> tuple[int, int]:
    with db.reading() as conn:
        counted, ignored = conn.execute(
            select(
                func.coalesce(func.sum(link_clicks.c.clicks), 0),
                func.coalesce(func.sum(link_clicks.c.ignored), 0),
            )
        ).one()
    return int(counted), int(ignored)


def _alerts(sink: SmtpSink) -> dict[str, EmailMessage]:
    """Each reader's copy of the alert (confirmations and the like left out)."""
    return {r.rcpt_tos[0]: r.message for r in sink.received if r.message["Subject"] == SUBJECT}


def _link(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = _LINK.search(body.get_content())
    assert found, "no counted link in the delivered message"
    return str(found.group(1))


def test_clicks_through_a_running_serve_are_counted_and_reported(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    env = {
        "BULLETIN_RELAYS": smtp_sink.url,
        "BULLETIN_CLICK_TRACKING": "aggregate",
        "BULLETIN_SECRET_KEY": SECRET,
        "BULLETIN_SUPPRESSION_KEY": SUPPRESSION_KEY,
    }
    with serving(tmp_path, env) as served:
        url = served.env["BULLETIN_DATABASE_URL"]
        ctx = Context(settings=make_settings(tmp_path, url), db=Database(url))
        readers = [unique_email() for _ in range(5)]
        for address in readers:
            confirmed_reader(ctx, email=address)
        draft = AlertDraft(SUBJECT, "Residents downstream told to leave.", STORY)
        campaign = alerts.fire_alert(ctx, draft, actor=None).campaign_id
        wait_for(lambda: len(_alerts(smtp_sink)) == len(readers), "the alert to be delivered")
        links = {a: _link(m) for a, m in _alerts(smtp_sink).items()}

        with httpx.Client(base_url=served.base_url, follow_redirects=False, timeout=10) as web:
            # A mail scanner fetches every link as the messages arrive, and checks with HEAD.
            for path in links.values():
                assert web.get(path, headers=SCANNER).headers["location"] == STORY
                assert web.head(path, headers=SCANNER).status_code == 302
            # Two readers click; one of them twice.
            for address in (readers[0], readers[0], readers[1]):
                answer = web.get(links[address], headers=BROWSER)
                assert answer.status_code == 302 and answer.headers["location"] == STORY
            assert web.get("/r/not-a-token/1.abc", headers=BROWSER).status_code == 404

        # Written within seconds while the serve runs, no stop needed.
        assert wait_for(lambda: _counts(ctx.db) == (3, 10) or None, "the clicks to be written")

        editor = make_editor(ctx, password=PASSWORD)
        with httpx.Client(base_url=served.base_url, timeout=10) as desk:
            sign_in(desk, editor.email, PASSWORD)  # type: ignore[arg-type]
            page = desk.get(f"/desk/campaigns/{campaign}/report").text
        ctx.db.dispose()

    shown = dict(re.findall(r'<p class="big" id="([\w-]+)">([^<]+)</p>', page))
    assert shown["unique-clickers"] == "2"
    assert shown["click-through"] == "40.0 %"  # 2 of 5 delivered
    assert shown["clicks"] == "3" and shown["ignored"] == "10"
    assert STORY in page
