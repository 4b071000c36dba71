"""A subject test end to end against a running `bulletin serve`: an alert racing two
subjects goes to 1,000 readers through a real SMTP server on loopback; the test readers'
copies are clicked over real HTTP (a link scanner's fetches set aside), the editor
ends the race on the desk, and every other reader gets the winning subject. Each reader
gets exactly one message, with one subject."""

from __future__ import annotations

import json
import re
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import httpx
from sqlalchemy import select

from bulletin.domain.models import AlertDraft
from bulletin.domain.subject_tests import SubjectTest
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.db import Database
from bulletin.store.tables import deliveries
from tests.support.factories import SECRET, SUPPRESSION_KEY, make_editor, make_settings
from tests.support.processes import create_readers
from tests.support.served import serving, wait_for
from tests.support.smtp_sink import SmtpSink
from tests.support.web import csrf_from, sign_in

A, B = "Dam gates opened", "Flood warning for the valley"
BROWSER = {"user-agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) Safari/605.1.15"}
SCANNER = {"user-agent": "Mozilla/5.0 (compatible; Mimecast URL Protect)"}
PASSWORD = "a-long-password-1"
_LINK = re.compile(r"http://127\.0\.0\.1:\d+(/r/\S+)")


def _by_reader(sink: SmtpSink) -> dict[int, list[EmailMessage]]:
    found: dict[int, list[EmailMessage]] = {}
    for received in sink.received:
        message = received.message
        if message["List-Id"] is None:
            continue
        reader = int(received.rcpt_tos[0].split("@")[0].removeprefix("r"))
        found.setdefault(reader, []).append(message)
    return found


def _link(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = _LINK.search(body.get_content())
    assert found, "no counted link in the delivered message"
    return str(found.group(1))


def _variants(db: Database, campaign_id: int) -> dict[int, int | None]:
    with db.reading() as conn:
        rows = conn.execute(
            select(deliveries.c.subscriber_id, deliveries.c.variant).where(
                deliveries.c.campaign_id == campaign_id
            )
        )
        return {int(s): v for s, v in rows}


def test_a_subject_race_on_1000_readers_through_a_running_serve(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    env = {
        "BULLETIN_RELAYS": smtp_sink.url,
        "BULLETIN_CLICK_TRACKING": "aggregate",
        "BULLETIN_SUBJECT_TEST_MIN_CLICKS": "5",
        "BULLETIN_SECRET_KEY": SECRET,
        "BULLETIN_SUPPRESSION_KEY": SUPPRESSION_KEY,
    }
    with serving(tmp_path, env) as served:
        url = served.env["BULLETIN_DATABASE_URL"]
        settings = make_settings(
            tmp_path, url, click_tracking="aggregate", subject_test_min_clicks=5
        )
        ctx = Context(settings=settings, db=Database(url))
        readers = create_readers(ctx.db, 1000)
        draft = AlertDraft(
            "Dam gates opened after record rain",
            "Residents downstream are told to move to higher ground.",
            "https://news.example.com/2026/12/03/dam",
            subject=A,
            test=SubjectTest((A, B), 10, 10 * 60),
        )
        campaign = alerts.fire_alert(ctx, draft, actor=None).campaign_id
        variants = _variants(ctx.db, campaign)
        tested = {r: v for r, v in variants.items() if v is not None}
        wait_for(lambda: len(_by_reader(smtp_sink)) == len(tested), "the test readers' copies")
        copies = {r: m[0] for r, m in _by_reader(smtp_sink).items()}
        assert {r: copies[r]["Subject"] for r in tested} == {
            r: (A, B)[v] for r, v in tested.items()
        }

        with httpx.Client(base_url=served.base_url, follow_redirects=False, timeout=10) as web:
            a_readers = [r for r, v in tested.items() if v == 0]
            b_readers = [r for r, v in tested.items() if v == 1]
            for reader in a_readers:  # a scanner opens every A copy as it arrives
                assert web.get(_link(copies[reader]), headers=SCANNER).status_code == 302
            for reader in a_readers[:2] + b_readers[:8]:
                assert web.get(_link(copies[reader]), headers=BROWSER).status_code == 302

        editor = make_editor(ctx, password=PASSWORD)
        with httpx.Client(base_url=served.base_url, timeout=10) as desk:
            sign_in(desk, editor.email, PASSWORD)  # type: ignore[arg-type]

            def standings() -> list[int] | None:
                shown = json.loads(desk.get(f"/desk/campaigns/{campaign}/progress.json").text)
                clickers = [s["clickers"] for s in shown["race"]["standings"]]
                return clickers if clickers == [2, 8] else None

            assert wait_for(standings, "the race's clicks to reach the desk") == [2, 8]
            page = desk.get(f"/desk/campaigns/{campaign}")
            asked = desk.post(
                f"/desk/campaigns/{campaign}/subject-test/end",
                data={"csrf_token": csrf_from(page.text)},
            )
            ended = desk.post(
                f"/desk/campaigns/{campaign}/subject-test/end",
                data={"csrf_token": csrf_from(asked.text), "confirmed": "yes"},
                follow_redirects=True,
            )
            flash = re.search(r'class="flash[^"]*"[^>]*>(.*?)</', ended.text, re.S)
            assert flash, ended.text[-3000:]
            assert f"“{B}” drew the most unique clickers" in flash.group(1), flash.group(1)

        wait_for(lambda: len(_by_reader(smtp_sink)) == len(readers), "every reader's copy")
        ctx.db.dispose()

    received = _by_reader(smtp_sink)
    assert Counter(len(m) for m in received.values()) == Counter({1: 1000})
    subjects = {r: str(m[0]["Subject"]) for r, m in received.items()}
    assert {subjects[r] for r in readers if r not in tested} == {B}
    assert all(subjects[r] == (A, B)[v] for r, v in tested.items())
