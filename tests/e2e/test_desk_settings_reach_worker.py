"""Settings changed on the desk reach a worker that is already running, with no restart.

The desk (the web app on the `ctx` process) and a worker (its own Context and engine,
sending in a thread to a real SMTP server on loopback) share only the database. The
admin changes the footer, reply-to and newsroom name on the settings form; once the
worker's next check of the desk's revision is due, its next message carries them. A
change of relays starts the worker's engine again on the new ones, inside the process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bulletin.delivery.engine import Engine
from bulletin.delivery.relays import relay_from_url
from bulletin.domain.models import AlertDraft, Role
from bulletin.server import keep_sending
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.db import Database
from bulletin.web.app import create_app
from tests.support.factories import FakeClock, confirmed_reader
from tests.support.processes import wait_until
from tests.support.smtp_sink import SmtpSink
from tests.support.web import csrf_from, signed_in_as

FOOTER = "Corrections and tips: desk@news.example.com"


def alert(headline: str) -> AlertDraft:
    return AlertDraft(headline=headline, summary="More soon.", url="https://news.example.com/a")


@pytest.fixture
def worker(ctx: Context, smtp_sink: SmtpSink, clock: FakeClock) -> Iterator[Context]:
    """A running worker: its own settings in memory, its engine sending in a thread."""
    context = Context(
        settings=ctx.live_settings.base, db=Database(ctx.settings.database_url), clock=clock
    )
    engine = Engine.on_database(
        context.db,
        context.settings,
        [relay_from_url(smtp_sink.url)],
        clock=clock,
        fresh_settings=lambda: context.settings,
    )
    stop = threading.Event()
    thread = threading.Thread(target=engine.run_forever, args=(stop,), name="test-worker")
    thread.start()
    yield context
    stop.set()
    thread.join(timeout=30)
    context.db.dispose()
    assert not thread.is_alive()


def test_a_footer_changed_on_the_desk_is_in_the_running_workers_next_message(
    ctx: Context, smtp_sink: SmtpSink, worker: Context, clock: FakeClock
) -> None:
    reader = confirmed_reader(ctx)
    assert reader
    alerts.fire_alert(ctx, alert("Before the change"), actor=None)
    wait_until(lambda: len(smtp_sink.list_mail()) == 1, timeout=20, what="the first alert")

    with TestClient(create_app(ctx)) as client:
        admin = signed_in_as(client, ctx, Role.ADMIN)
        saved = admin.post(
            "/desk/settings",
            data={
                "csrf_token": csrf_from(admin.get("/desk/settings").text),
                "footer_text": FOOTER,
                "reply_to": "Desk <desk@news.example.com>",
                "newsroom_name": "The Example Gazette",
            },
        )
    assert saved.status_code == 200 and "Saved:" in saved.text
    clock.advance(seconds=5)  # the worker's next look at the desk's revision is due
    alerts.fire_alert(ctx, alert("After the change"), actor=None)
    wait_until(lambda: len(smtp_sink.list_mail()) == 2, timeout=20, what="the second alert")

    before, after = (received.message for received in smtp_sink.list_mail())
    assert before["Subject"].startswith("Before") and after["Subject"].startswith("After")
    assert FOOTER not in before.as_string() and before["Reply-To"] is None
    for part in ("plain", "html"):
        body = after.get_body((part,))
        assert body is not None and FOOTER in " ".join(body.get_content().split())
    assert after["Reply-To"] == "Desk <desk@news.example.com>"
    assert "The Example Gazette" in after.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert worker.settings.footer_text == FOOTER


def test_relays_changed_on_the_desk_are_sent_through_without_a_restart(
    ctx: Context, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    reader = confirmed_reader(ctx)
    assert reader
    other = SmtpSink().start()
    worker = Context(
        settings=ctx.live_settings.base, db=Database(ctx.settings.database_url), clock=clock
    )
    stop = threading.Event()
    thread = threading.Thread(
        target=keep_sending, args=(worker, [relay_from_url(smtp_sink.url)], stop), daemon=True
    )
    thread.start()
    try:
        alerts.fire_alert(ctx, alert("Through the first relay"), actor=None)
        wait_until(lambda: len(smtp_sink.list_mail()) == 1, timeout=20, what="the first alert")
        with TestClient(create_app(ctx)) as client:
            admin = signed_in_as(client, ctx, Role.ADMIN)
            saved = admin.post(
                "/desk/settings",
                data={
                    "csrf_token": csrf_from(admin.get("/desk/settings").text),
                    "relays": other.url,
                },
            )
        assert saved.status_code == 200 and "Saved:" in saved.text
        clock.advance(seconds=5)  # the worker's next look at the desk's revision is due
        alerts.fire_alert(ctx, alert("Through the new relay"), actor=None)
        wait_until(
            lambda: len(other.list_mail()) == 1, timeout=30, what="the alert at the new relay"
        )
        assert thread.is_alive()  # the same worker, started again on the new relay inside
        (moved,) = other.list_mail()
        assert moved.message["Subject"].startswith("Through the new relay")
        assert len(smtp_sink.list_mail()) == 1  # nothing more through the old one
    finally:
        stop.set()
        thread.join(timeout=30)
        other.stop()
        worker.db.dispose()
    assert not thread.is_alive()
