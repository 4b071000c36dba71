"""Test sends as background jobs: queued by the desk, sent by whichever worker is free.

The desk composes the copies (that is quick) and stores them; the relay's answers
(which can take the relay's whole timeout) are waited for by a worker thread, never by
the editor's request. The desk's page for the job shows it queued, sending, then each
address's reply. A worker that dies holding a job gives it back when its lease ends,
so a job may reach a staff inbox twice but is never lost; test sends go to staff only.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Sequence
from datetime import timedelta

from bulletin.domain.errors import NotFound
from bulletin.domain.models import Editor, Role
from bulletin.domain.test_sends import Copy, CopyResult, TestSendJob
from bulletin.mail.transports import Envelope
from bulletin.services.context import Context
from bulletin.services.proofs import TEST_SEND_TIMEOUT_S, send_replies
from bulletin.store import test_sends as store

log = logging.getLogger(__name__)

# Past the relay's timeout for a connection and every copy on it (at most ten copies).
LEASE = timedelta(seconds=TEST_SEND_TIMEOUT_S * 8)
KEEP = timedelta(days=7)  # finished jobs stay this long for their page; the audit log keeps more
IDLE_S = 1.0  # how soon a queued test is picked up by an idle worker
SWEEP_S = 600.0  # how often an idle worker forgets old jobs (a write: not every second)


def queue(
    ctx: Context,
    *,
    kind: str,
    title: str,
    back_path: str,
    envelopes: Sequence[Envelope],
    actor: Editor,
) -> int:
    """Store the composed copies for a worker to send; the job's id, for its desk page."""
    copies = [Copy(e.sender, e.recipient, e.data, e.eight_bit) for e in envelopes]
    with ctx.db.transaction() as conn:
        return store.enqueue(
            conn,
            kind=kind,
            title=title,
            back_path=back_path,
            requested_by=actor.email,
            copies=copies,
            now=ctx.clock(),
        )


def job(ctx: Context, job_id: int, *, viewer: Editor) -> TestSendJob:
    """The job, for the editor who asked for it (or an admin)."""
    with ctx.db.reading() as conn:
        found = store.get(conn, job_id)
    if found is None or (found.requested_by != viewer.email and viewer.role is not Role.ADMIN):
        raise NotFound(f"There is no test send {job_id} of yours.")
    return found


def recent(ctx: Context, *, viewer: Editor) -> list[TestSendJob]:
    with ctx.db.reading() as conn:
        return store.recent(conn, requested_by=viewer.email)


def run_one(ctx: Context, owner: str) -> bool:
    """Send the oldest waiting job, if any; whether there was one."""
    with ctx.db.transaction() as conn:
        claimed = store.claim(conn, owner=owner, now=ctx.clock(), lease=LEASE)
    if claimed is None:
        return False
    job_id, copies = claimed
    envelopes = [
        Envelope(key=n, sender=c.sender, recipient=c.recipient, data=c.data, eight_bit=c.eight_bit)
        for n, c in enumerate(copies)
    ]
    replies = send_replies(ctx, envelopes)
    results = [
        CopyResult(c.recipient, reply.accepted, reply.text)
        for c, reply in zip(copies, replies, strict=True)
    ]
    with ctx.db.transaction() as conn:
        if not store.finish(conn, job_id, results, owner=owner, now=ctx.clock()):
            log.warning("test send %d was taken over by another worker meanwhile", job_id)
    return True


def run_forever(ctx: Context, stop: threading.Event) -> None:
    """A worker's test-send thread: jobs as they come, old ones forgotten once a round."""
    owner = f"{socket.gethostname()[:24]}:{os.getpid()}:tests"
    swept_at = -SWEEP_S
    while not stop.is_set():
        try:
            busy = run_one(ctx, owner)
            if not busy and time.monotonic() - swept_at >= SWEEP_S:
                with ctx.db.transaction() as conn:
                    store.delete_finished_before(conn, ctx.clock() - KEEP)
                swept_at = time.monotonic()
        except Exception:  # a database outage must not end the thread; the next try may work
            log.exception("test sends: this round failed; trying again")
            busy = False
        if not busy:
            stop.wait(IDLE_S)
