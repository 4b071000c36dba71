"""The desk warns before Gmail clips a long special report or briefing (and hides its footer)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from bulletin.domain.clipping import WARN_AT, clipping_warning
from bulletin.domain.reports import ReportContent, Section
from bulletin.services.context import Context
from bulletin.services.special_reports import scheduling as special_reports
from tests.support.factories import FakeClock
from tests.support.web import signed_in_as

PARAGRAPH = "<p>" + " ".join(["The river rose through the night and took the lower town."] * 5)


def report(ctx: Context, words: int) -> int:
    """A report of about `words` words in five parts of 50-word paragraphs."""
    paragraphs = max(1, words // 250)
    body = (PARAGRAPH + "</p>") * paragraphs
    sections = tuple(Section(f"Part {n}", body) for n in range(1, 6))
    content = ReportContent(
        headline="The long flood", dek="A year on the river.", sections=sections
    )
    return special_reports.create(ctx, content, actor=None, at="2027-01-10 07:00").id


def test_a_special_report_past_90_kb_of_html_is_flagged_on_its_desk_page(
    client: TestClient, ctx: Context, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    long_one = report(ctx, 20_000)  # about 130 KB of HTML once styled
    short_one = report(ctx, 1_000)
    desk = signed_in_as(client, ctx)

    flagged = desk.get(f"/desk/special-reports/{long_one}")
    plain = desk.get(f"/desk/special-reports/{short_one}")

    assert 'id="clipping"' in flagged.text and "Gmail clips" in flagged.text
    assert 'id="clipping"' not in plain.text


def test_the_warning_starts_just_past_the_threshold() -> None:
    assert clipping_warning("x" * WARN_AT) is None
    warning = clipping_warning("x" * (WARN_AT + 1))
    assert warning is not None and "Gmail clips" in warning
