"""A test send's outcome as one flash message: who got it, who did not and why."""

from __future__ import annotations

from collections.abc import Sequence

from bulletin.services.alerts.preview import TestSend
from bulletin.services.proofs import TestResult
from bulletin.web.flash import Kind


def of_results(results: Sequence[TestResult]) -> tuple[str, Kind]:
    """A briefing's or special report's test: each address with its own outcome."""
    return _note(
        [r.recipient for r in results if r.sent],
        [(r.recipient, r.reply) for r in results if not r.sent],
    )


def of_alert(test: TestSend) -> tuple[str, Kind]:
    return _note(test.sent, test.failed)


def _note(sent: Sequence[str], failed: Sequence[tuple[str, str]]) -> tuple[str, Kind]:
    parts = []
    if sent:
        parts.append(f"Test sent to {', '.join(sent)}, subject marked [TEST].")
    parts.extend(f"Not sent to {address}: {reply}" for address, reply in failed)
    if not parts:
        return "No test was sent: choose at least one address.", "error"
    return " ".join(parts), "error" if failed else "ok"
