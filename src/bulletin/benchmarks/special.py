"""`bulletin bench special`: what a special report costs to render, once and per reader.

Renders a long report (each section a few hundred words, with an image) once through
the composer the engine uses, then fills the skeleton for N readers, and for a sample
builds each reader's message in full with the `email` package, for comparison.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bulletin.domain.models import Campaign, CampaignKind, CampaignStatus, ListKind, MailingList
from bulletin.domain.reports import Picture, ReportContent, Section, validate_content
from bulletin.mail.compose import CampaignMessages, Links
from bulletin.mail.message import build
from bulletin.mail.tokens import Tokens

NOW = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
LINKS = Links(
    "https://bulletin.example.com",
    "news.example.com",
    "News <n@news.example.com>",
    "News",
    "1 Press Row, Springfield, IL 62701, USA",
)
SPECIAL = MailingList(2, "special-reports", "Special Reports", "", ListKind.SPECIAL)
PARAGRAPH = (
    "<p>" + "The water came over the levee shortly after midnight, residents said. " * 8 + "</p>"
)
FULL_BUILD_SAMPLE = 500


@dataclass
class Options:
    sections: int = 12
    readers: int = 20_000


def run(options: Options) -> dict[str, Any]:
    report = content(options.sections)
    messages, timings = _render(report)
    size, fill_s = _fill(messages, options.readers)
    sample = min(options.readers, FULL_BUILD_SAMPLE)
    full_s = _full_build(messages, sample)
    return {
        "sections": options.sections,
        "message_bytes": size,
        "render_first_ms": round(timings[0] * 1000, 1),
        "render_once_ms": round(min(timings[1:]) * 1000, 1),
        "readers": options.readers,
        "per_reader_skeleton_us": round(fill_s / options.readers * 1e6, 1),
        "per_reader_full_build_us": round(full_s / sample * 1e6, 1),
    }


def content(sections: int) -> ReportContent:
    return validate_content(
        ReportContent(
            headline="The town that moved uphill",
            dek="After the third flood in a decade, everyone left the valley.",
            hero=Picture("https://img.example.com/hero.jpg", "The old main street", "Staff"),
            sections=tuple(
                Section(f"Part {n}", PARAGRAPH * 4, Picture(f"https://img.example.com/{n}.jpg"))
                for n in range(sections)
            ),
            cta_url="https://news.example.com/uphill",
        )
    )


def _render(report: ReportContent) -> tuple[CampaignMessages, list[float]]:
    """The campaign's messages rendered three times, and how long each rendering took."""
    campaign = Campaign(
        1, CampaignKind.SPECIAL, 2, CampaignStatus.SENDING, report.subject, report.headline,
        report.dek, report.cta_url, NOW, started_at=NOW,
    )  # fmt: skip
    tokens = Tokens("bench-secret-key-that-is-long-enough-012345", clock=lambda: NOW)
    timings = []
    for _ in range(3):  # the first includes compiling templates and setting up the inliner
        started = time.perf_counter()
        messages = CampaignMessages(
            campaign, SPECIAL, links=LINKS, tokens=tokens, date=NOW, report=report
        )
        timings.append(time.perf_counter() - started)
    return messages, timings


def _fill(messages: CampaignMessages, readers: int) -> tuple[int, float]:
    """The skeleton filled for each reader: the last message's size, and the time taken."""
    started = time.perf_counter()
    size = 0
    for n in range(1, readers + 1):
        size = len(messages.envelope(key=n, subscriber_id=n, email=f"r{n}@example.org").data)
    return size, time.perf_counter() - started


def _full_build(messages: CampaignMessages, sample: int) -> float:
    """Seconds to build `sample` readers' messages in full with the `email` package."""
    started = time.perf_counter()
    for n in range(1, sample + 1):
        email = f"r{n}@example.org"
        build(
            messages.message(email, n, messages.token(n), messages.preferences_token(n, email), NOW)
        )
    return time.perf_counter() - started
