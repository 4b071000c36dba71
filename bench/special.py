"""What a special report costs to render: once per campaign, then per reader, as JSON.

    .venv/bin/python bench/special.py [--sections 12] [--readers 20000]

Renders a long report (each section a few hundred words, with an image) once through
the composer the engine uses, then fills the skeleton for N readers, and for a sample
builds each reader's message in full with the `email` package, for comparison.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime

from bulletin.domain.models import Campaign, CampaignKind, CampaignStatus, ListKind, MailingList
from bulletin.domain.reports import Picture, ReportContent, Section, validate_content
from bulletin.mail.compose import CampaignMessages, Links
from bulletin.mail.message import build
from bulletin.mail.tokens import Tokens

NOW = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
LINKS = Links(
    "https://bulletin.example.com", "news.example.com", "News <n@news.example.com>", "News"
)
SPECIAL = MailingList(2, "special-reports", "Special Reports", "", ListKind.SPECIAL)
PARAGRAPH = (
    "<p>" + "The water came over the levee shortly after midnight, residents said. " * 8 + "</p>"
)


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sections", type=int, default=12)
    parser.add_argument("--readers", type=int, default=20_000)
    args = parser.parse_args()
    report = content(args.sections)
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
    started = time.perf_counter()
    size = 0
    for n in range(1, args.readers + 1):
        size = len(messages.envelope(key=n, subscriber_id=n, email=f"r{n}@example.org").data)
    fill_s = time.perf_counter() - started
    sample = min(args.readers, 500)
    started = time.perf_counter()
    for n in range(1, sample + 1):
        email = f"r{n}@example.org"
        build(
            messages.message(email, n, messages.token(n), messages.preferences_token(n, email), NOW)
        )
    full_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "sections": args.sections,
                "message_bytes": size,
                "render_first_ms": round(timings[0] * 1000, 1),
                "render_once_ms": round(min(timings[1:]) * 1000, 1),
                "readers": args.readers,
                "per_reader_skeleton_us": round(fill_s / args.readers * 1e6, 1),
                "per_reader_full_build_us": round(full_s / sample * 1e6, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
