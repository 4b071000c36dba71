"""A test send's outcome as one message: who got it, who did not and why."""

from __future__ import annotations

from collections.abc import Sequence

from bulletin.domain.test_sends import TestSendJob
from bulletin.web.flash import Kind


def queued(job: TestSendJob) -> str:
    """The flash on a test send's page as it opens: the wait is the worker's, not the editor's."""
    return f"Test queued for {', '.join(job.recipients)}, subject marked [TEST]."


def of_job(job: TestSendJob) -> tuple[str, Kind]:
    """A finished background test send, said as the inline one said it."""
    return _note(job.sent, [(r.recipient, r.reply) for r in job.failed])


def _note(sent: Sequence[str], failed: Sequence[tuple[str, str]]) -> tuple[str, Kind]:
    parts = []
    if sent:
        parts.append(f"Test sent to {', '.join(sent)}, subject marked [TEST].")
    parts.extend(f"Not sent to {address}: {reply}" for address, reply in failed)
    if not parts:
        return "No test was sent: choose at least one address.", "error"
    return " ".join(parts), "error" if failed else "ok"
