"""/metrics on `bulletin serve` and on `bulletin worker --metrics-port`, scraped over HTTP."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, update

from bulletin.domain.models import CampaignKind, CampaignStatus, DeliveryStatus
from bulletin.services.context import Context
from bulletin.store import campaigns as campaign_store
from bulletin.store.db import Database
from bulletin.store.tables import campaigns, deliveries, lists, subscribers
from tests.support.factories import confirmed_reader, make_settings
from tests.support.hooks import MAILGUN_KEY, mailgun_body, mailgun_event
from tests.support.ports import free_port
from tests.support.served import BIN, Served, migrated, serving, wait_for
from tests.support.smtp_sink import SmtpSink
from tests.support.web import csrf_from, link_in, signup_fields

TOKEN = "scraper-token-0123456789"


def _value(text: str, name: str, **labels: str) -> float | None:
    """The sample `name{labels…}` in an exposition (labels may be a subset)."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return None


def _scrape(served: Served) -> str:
    response = httpx.get(served.base_url + "/metrics", timeout=5)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def _sign_up_and_confirm(served: Served, reader: str) -> None:
    with httpx.Client(base_url=served.base_url) as browser:
        form = browser.get("/")
        fields = {**signup_fields(form.text), "email": reader, "lists": ["breaking"]}
        assert browser.post("/subscribe", data=fields).status_code == 303
    confirmation = served.caught_for(reader, "Confirm your subscription")
    link = link_in(confirmation.message, served.base_url + "/confirm/")
    with httpx.Client() as browser:
        page = browser.get(link)
        assert browser.post(link, data={"csrf_token": csrf_from(page.text)}).status_code == 200


def test_serve_counts_sign_ups_confirmations_and_messages_by_relay(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        _sign_up_and_confirm(served, "metrics.reader@readers.example.org")
        served.bulletin(
            "alert", "send", "--headline", "Dam holds", "--summary", "Water recedes.",
            "--url", "https://news.example.com/dam",
        )  # fmt: skip
        served.caught_for("metrics.reader@readers.example.org", "Dam holds")

        def sent() -> str | None:
            text = _scrape(served)
            return text if _value(text, "bulletin_messages_total", result="sent") else None

        text = wait_for(sent, "the sent message in /metrics")
        # the confirmation request and the alert, both through the catcher
        assert _value(text, "bulletin_messages_total", result="sent", code="250") == 2.0
        assert _value(text, "bulletin_signups_total", outcome="accepted") == 1.0
        assert _value(text, "bulletin_confirmations_total") == 1.0
        assert (_value(text, "bulletin_claim_seconds_count") or 0) >= 1
        assert (_value(text, "bulletin_flush_seconds_count") or 0) >= 1
        assert "# TYPE bulletin_campaign_messages gauge" in text
        assert "metrics.reader" not in text  # no reader is ever named


def test_metrics_are_refused_off_the_allowed_networks_without_the_token(tmp_path: Path) -> None:
    # 10.0.0.0/8 as a trusted proxy makes our loopback request arrive "from" 192.0.2.7.
    env = {"BULLETIN_METRICS_TOKEN": TOKEN, "BULLETIN_TRUSTED_PROXIES": "127.0.0.1"}
    with serving(tmp_path, env) as served:
        forwarded = {"X-Forwarded-For": "192.0.2.7"}
        refused = httpx.get(served.base_url + "/metrics", headers=forwarded, timeout=5)
        assert refused.status_code == 403 and "bulletin_" not in refused.text
        wrong = {**forwarded, "Authorization": "Bearer not-the-token-at-all"}
        assert httpx.get(served.base_url + "/metrics", headers=wrong, timeout=5).status_code == 403
        bearer = {**forwarded, "Authorization": f"Bearer {TOKEN}"}
        allowed = httpx.get(served.base_url + "/metrics", headers=bearer, timeout=5)
        assert allowed.status_code == 200 and "bulletin_messages" in allowed.text


@contextmanager
def _worker(tmp_path: Path, smtp_sink: SmtpSink, readers: list[str]) -> Iterator[int]:
    """`bulletin worker --metrics-port` on its own database, sending to `smtp_sink`, with
    an alert to `readers` sent from the command line: its metrics port."""
    url = f"sqlite:///{tmp_path / 'bulletin.db'}"
    env = {
        "BULLETIN_DATABASE_URL": url,
        "BULLETIN_DATA_DIR": str(tmp_path / "data"),
        "BULLETIN_SMTP_URL": smtp_sink.url,
        "BULLETIN_SENDER": "Newsroom Alerts <alerts@news.example.com>",
        "PATH": "/usr/bin:/bin",
    }
    migrated(url)
    ctx = Context.from_settings(make_settings(tmp_path, url))
    for email in readers:
        confirmed_reader(ctx, email=email)
    ctx.db.dispose()
    port = free_port()
    worker = subprocess.Popen(
        [BIN, "worker", "--metrics-port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            [BIN, "alert", "send", "--headline", "Storm", "--summary", "Winds ease.",
             "--url", "https://news.example.com/storm"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        yield port
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def _worker_metrics(port: int) -> str | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except httpx.TransportError:
        return None


def test_a_worker_serves_its_own_metrics_on_its_port(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    with _worker(tmp_path, smtp_sink, ["worker.reader@readers.example.org"]) as port:

        def both() -> str | None:  # the reader's confirmation request, then the alert
            text = _worker_metrics(port)
            counted = text and _value(text, "bulletin_messages_total", result="sent") == 2.0
            return text if counted else None

        wait_for(both, "the worker's /metrics to count both messages")
        assert len(smtp_sink.received) == 2
        assert httpx.get(f"http://127.0.0.1:{port}/other", timeout=2).status_code == 404


def test_a_workers_metrics_count_refused_and_deferred_messages_by_relay_and_code(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    refused, deferred = "gone.box@readers.example.org", "full.box@readers.example.org"
    smtp_sink.handler.rcpt_replies.update(
        {refused: "550 5.1.1 No such user", deferred: "452 4.2.2 Mailbox full"}
    )
    readers = ["fine.box@readers.example.org", refused, deferred]
    with _worker(tmp_path, smtp_sink, readers) as port:

        def answered() -> str | None:
            text = _worker_metrics(port) or ""
            refused_twice = _value(text, "bulletin_messages_total", code="550") == 2.0
            sent_twice = _value(text, "bulletin_messages_total", code="250") == 2.0
            deferred = _value(text, "bulletin_messages_total", code="452") or 0
            return text if refused_twice and sent_twice and deferred >= 2 else None

        text = wait_for(answered, "the refused and the deferred message in the worker's /metrics")
    relay = "smtp://127.0.0.1:" + str(smtp_sink.port)
    # Each reader was sent two messages: the confirmation request of their sign-up
    # (the factory signs up, then confirms) and the alert.
    assert _value(text, "bulletin_messages_total", result="refused", code="550") == 2.0
    assert (_value(text, "bulletin_messages_total", result="deferred", code="452") or 0) >= 2
    assert _value(text, "bulletin_messages_total", result="sent", code="250") == 2.0
    labelled = [line for line in text.splitlines() if "bulletin_messages_total{" in line]
    assert labelled and all(relay in line for line in labelled)


def test_returns_are_counted_by_class_as_the_running_server_records_them(tmp_path: Path) -> None:
    env = {"BULLETIN_MAILGUN_SIGNING_KEY": MAILGUN_KEY}
    gone, annoyed = "gone.reader@readers.example.org", "annoyed.reader@readers.example.org"
    with serving(tmp_path, env) as served:
        for reader in (gone, annoyed):
            _sign_up_and_confirm(served, reader)
        served.bulletin(
            "alert", "send", "--headline", "Bridge closed", "--summary", "Detours posted.",
            "--url", "https://news.example.com/bridge",
        )  # fmt: skip
        at = datetime.now(UTC)
        bounce = _mailgun_return(served, gone, at, "failed", **FAILED_PERMANENTLY)
        complaint = _mailgun_return(served, annoyed, at, "complained")
        assert (bounce, complaint) == (1, 1)

        def counted() -> str | None:
            text = _scrape(served)
            return text if _value(text, "bulletin_returns_total", kind="complaint") else None

        text = wait_for(counted, "the returns in /metrics")
        assert _value(text, "bulletin_returns_total", kind="address") == 1.0
        assert _value(text, "bulletin_returns_total", kind="complaint") == 1.0
        assert _value(text, "bulletin_returns_total", kind="sender") is None


FAILED_PERMANENTLY = {
    "severity": "permanent",
    "reason": "bounce",
    "delivery-status": {
        "code": 550,
        "message": "5.1.1 The email account that you tried to reach does not exist",
        "description": "",
        "attempt-no": 1,
    },
}


def _mailgun_return(served: Served, reader: str, at: datetime, event: str, **fields: Any) -> int:
    """Post Mailgun's signed event about the alert `reader` was sent; how many were recorded."""
    alert = served.caught_for(reader, "Bridge closed").message
    data = mailgun_event(event, reader, at=at, message_id=alert["Message-ID"].strip("<>"), **fields)
    response = httpx.post(
        served.base_url + "/hooks/mailgun",
        content=mailgun_body(data, at=at),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    recorded: int = response.json()["recorded"]
    return recorded


def _served_db(served: Served) -> Database:
    return Database(served.env["BULLETIN_DATABASE_URL"])


def _subscriber_id(db: Database, email: str) -> int:
    with db.transaction() as conn:
        return int(
            conn.execute(select(subscribers.c.id).where(subscribers.c.email == email)).scalar_one()
        )


def test_a_dead_workers_expired_lease_is_counted_when_the_running_scheduler_returns_it(
    tmp_path: Path,
) -> None:
    first, second = "lease.one@readers.example.org", "lease.two@readers.example.org"
    with serving(tmp_path) as served:
        _sign_up_and_confirm(served, first)
        served.bulletin(
            "alert", "send", "--headline", "Lease test", "--summary", "A worker dies.",
            "--url", "https://news.example.com/lease",
        )  # fmt: skip
        served.caught_for(first, "Lease test")
        _sign_up_and_confirm(served, second)
        db = _served_db(served)
        try:
            subscriber_id = _subscriber_id(db, second)
            with db.transaction() as conn:
                campaign_id = conn.execute(select(func.max(campaigns.c.id))).scalar_one()
                past = datetime.now(UTC) - timedelta(minutes=2)
                # A row a worker that no longer exists was holding when it died.
                conn.execute(
                    deliveries.insert().values(
                        campaign_id=campaign_id,
                        subscriber_id=subscriber_id,
                        status=DeliveryStatus.SENDING,
                        send_after=past,
                        attempts=0,
                        lease_owner="gone-worker#1",
                        lease_until=past,
                    )
                )
        finally:
            db.dispose()

        def returned() -> str | None:
            text = _scrape(served)
            return text if _value(text, "bulletin_lease_expiries_total") else None

        text = wait_for(returned, "the expired lease in /metrics")
        assert _value(text, "bulletin_lease_expiries_total") == 1.0


def test_the_latest_briefings_first_send_lag_is_read_from_the_ledger_at_each_scrape(
    tmp_path: Path,
) -> None:
    reader = "lag.reader@readers.example.org"
    with serving(tmp_path) as served:
        _sign_up_and_confirm(served, reader)
        assert _value(_scrape(served), "bulletin_briefing_first_send_lag_seconds") is None
        db = _served_db(served)
        try:
            planned = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
            subscriber_id = _subscriber_id(db, reader)
            with db.transaction() as conn:
                list_id = conn.execute(
                    select(lists.c.id).where(lists.c.slug == "morning-briefing")
                ).scalar_one()
                # An edition sent an hour ago whose first reader got it 42 s late.
                campaign_id = campaign_store.insert(
                    conn, kind=CampaignKind.BRIEFING, list_id=list_id, subject="Briefing",
                    headline="Briefing", summary="", url="", created_by=None, now=planned,
                    status=CampaignStatus.SENT,
                )  # fmt: skip
                conn.execute(
                    update(campaigns)
                    .where(campaigns.c.id == campaign_id)
                    .values(started_at=planned)
                )
                conn.execute(
                    deliveries.insert().values(
                        campaign_id=campaign_id,
                        subscriber_id=subscriber_id,
                        status=DeliveryStatus.SENT,
                        send_after=planned,
                        sent_at=planned + timedelta(seconds=42),
                        attempts=1,
                    )
                )
        finally:
            db.dispose()
        lag = _value(
            _scrape(served), "bulletin_briefing_first_send_lag_seconds", campaign=str(campaign_id)
        )
        assert lag == 42.0


def test_a_sending_campaigns_queue_depth_is_read_from_the_ledger_at_each_scrape(
    tmp_path: Path,
) -> None:
    reader = "queued.reader@readers.example.org"
    with serving(tmp_path) as served:
        _sign_up_and_confirm(served, reader)
        db = _served_db(served)
        try:
            now = datetime.now(UTC).replace(microsecond=0)
            subscriber_id = _subscriber_id(db, reader)
            with db.transaction() as conn:
                list_id = conn.execute(
                    select(lists.c.id).where(lists.c.slug == "breaking")
                ).scalar_one()
                # A send under way whose one message waits for tomorrow (a retry's back-off).
                campaign_id = campaign_store.insert(
                    conn, kind=CampaignKind.ALERT, list_id=list_id, subject="Queued",
                    headline="Queued", summary="Later.", url="https://news.example.com/q",
                    created_by=None, now=now, status=CampaignStatus.SENDING,
                )  # fmt: skip
                started = update(campaigns).where(campaigns.c.id == campaign_id)
                conn.execute(started.values(started_at=now, fanout_done=True))
                conn.execute(
                    deliveries.insert().values(
                        campaign_id=campaign_id,
                        subscriber_id=subscriber_id,
                        status=DeliveryStatus.QUEUED,
                        send_after=now + timedelta(days=1),
                        attempts=1,
                    )
                )
        finally:
            db.dispose()
        text = _scrape(served)
        labels = {"campaign": str(campaign_id), "kind": "alert"}
        assert _value(text, "bulletin_campaign_messages", status="queued", **labels) == 1.0
        assert _value(text, "bulletin_campaign_messages", status="sent", **labels) is None
