"""Test sends in the background: the desk queues them and returns, a worker sends them."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from bulletin.domain.errors import NotFound
from bulletin.domain.models import AlertDraft, Role
from bulletin.domain.test_sends import TestSendStatus
from bulletin.services import test_send_jobs
from bulletin.services.alerts import preview as alert_preview
from bulletin.services.briefing import proofs
from bulletin.services.context import Context
from bulletin.store import test_sends as store
from tests.support.factories import make_editor
from tests.support.processes import wait_until
from tests.support.smtp_sink import SmtpSink

DRAFT = AlertDraft(
    headline="Bridge closed after barge strike",
    summary="The river crossing is shut in both directions while engineers inspect it.",
    url="https://news.example.com/bridge",
)
SEED = ("desk@news.example.com", "chief@news.example.com")


def _relayed(ctx: Context, sink: SmtpSink) -> Context:
    return Context(
        settings=ctx.settings.replace(smtp_url=sink.url, staff_seed_list=SEED),
        db=ctx.db,
        clock=ctx.clock,
    )


def test_queueing_sends_nothing_and_a_worker_then_sends_every_copy(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    relayed = _relayed(ctx, smtp_sink)
    editor = make_editor(relayed)
    job_id = alert_preview.queue_test(relayed, DRAFT, actor=editor, back_path="/desk/alerts/new")

    waiting = test_send_jobs.job(relayed, job_id, viewer=editor)
    assert waiting.status is TestSendStatus.QUEUED and waiting.recipients == SEED
    assert smtp_sink.received == []  # the request only stored it

    assert test_send_jobs.run_one(relayed, "worker-1")
    done = test_send_jobs.job(relayed, job_id, viewer=editor)
    assert done.finished and done.sent == list(SEED)
    for address in SEED:
        (copy,) = smtp_sink.messages_to(address)
        assert copy["Subject"] == "[TEST] " + DRAFT.headline
    assert not test_send_jobs.run_one(relayed, "worker-1")  # nothing is sent twice


def test_a_job_shows_as_sending_while_a_worker_holds_it(ctx: Context, smtp_sink: SmtpSink) -> None:
    relayed = _relayed(ctx, smtp_sink)
    editor = make_editor(relayed)
    job_id = alert_preview.queue_test(relayed, DRAFT, actor=editor, back_path="/desk/alerts/new")
    with relayed.db.transaction() as conn:
        store.claim(conn, owner="worker-1", now=relayed.clock(), lease=test_send_jobs.LEASE)
    held = test_send_jobs.job(relayed, job_id, viewer=editor)
    assert held.status is TestSendStatus.SENDING and held.started_at == relayed.clock()


def test_a_relay_that_refuses_is_each_address_s_outcome(ctx: Context) -> None:
    unreachable = Context(
        settings=ctx.settings.replace(smtp_url="smtp://127.0.0.1:1", staff_seed_list=SEED),
        db=ctx.db,
        clock=ctx.clock,
    )
    editor = make_editor(unreachable)
    job_id = alert_preview.queue_test(unreachable, DRAFT, actor=editor, back_path="/desk")
    assert test_send_jobs.run_one(unreachable, "worker-1")
    done = test_send_jobs.job(unreachable, job_id, viewer=editor)
    assert done.finished and done.sent == []
    assert all(r.reply.startswith("451") for r in done.failed) and len(done.failed) == 2


def test_only_the_editor_who_asked_or_an_admin_sees_a_job(ctx: Context) -> None:
    asked, other, admin = make_editor(ctx), make_editor(ctx), make_editor(ctx, Role.ADMIN)
    job_id = alert_preview.queue_test(ctx, DRAFT, actor=asked, back_path="/desk")
    assert test_send_jobs.job(ctx, job_id, viewer=admin).id == job_id
    with pytest.raises(NotFound):
        test_send_jobs.job(ctx, job_id, viewer=other)
    with pytest.raises(NotFound):
        test_send_jobs.job(ctx, job_id + 1, viewer=asked)


def test_the_worker_thread_sends_what_is_queued_and_stops_when_told(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    relayed = _relayed(ctx, smtp_sink)
    editor = make_editor(relayed)
    job_id = alert_preview.queue_test(relayed, DRAFT, actor=editor, back_path="/desk")
    stop = threading.Event()
    thread = threading.Thread(target=test_send_jobs.run_forever, args=(relayed, stop))
    thread.start()
    try:
        wait_until(
            lambda: test_send_jobs.job(relayed, job_id, viewer=editor).finished,
            timeout=30,
            what="the worker thread to send the test",
        )
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(smtp_sink.received) == 2


def test_a_briefing_not_assembled_is_refused_before_anything_is_queued(ctx: Context) -> None:
    editor = make_editor(ctx)
    monday = date(2026, 12, 7)
    with pytest.raises(NotFound):
        proofs.queue_test(
            ctx, monday, segment=0, recipients=[editor.email], actor=editor, back_path="/desk"
        )
    with ctx.db.reading() as conn:
        assert store.recent(conn, requested_by=editor.email) == []
