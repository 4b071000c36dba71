"""The desk's ingest report: for each story just brought in, which fields were found.

The report is reached by GET after the ingest POST redirects (post/redirect/get). Its
address carries a signed, expiring list of the batch's story ids and outcomes, at most
`MAX_STORIES` of them, and nothing else: the findings are worked out again from the
stored stories each time the page is shown, so no table and no session space is needed,
and an edit made since shows at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from bulletin.domain.errors import NotFound
from bulletin.domain.stories import Outcome, Story
from bulletin.services.context import Context
from bulletin.services.stories.ingest import ItemResult
from bulletin.store.stories import versions as story_store

SALT = "bulletin.ingest-report.v1"
MAX_AGE_S = 7 * 24 * 3600  # a week: long enough to come back to, short enough to expire
MAX_STORIES = 200  # a big feed's report lists the first 200; the story list has the rest
FIELDS = (
    ("headline", "Headline"),
    ("summary", "Dek or summary"),
    ("link", "Link"),
    ("byline", "Byline"),
    ("dateline", "Dateline"),
    ("time", "Time"),
    ("image", "Image"),
    ("body", "Body"),
)
_OUTCOMES = {"n": Outcome.NEW, "u": Outcome.UPDATED, "s": Outcome.UNCHANGED}
_CODES = {outcome: code for code, outcome in _OUTCOMES.items()}


@dataclass(frozen=True)
class Finding:
    field: str
    label: str
    found: bool


@dataclass(frozen=True)
class ReportRow:
    story_id: int
    outcome: Outcome
    headline: str | None
    findings: tuple[Finding, ...]

    @property
    def missing(self) -> list[str]:
        return [f.label for f in self.findings if not f.found]


@dataclass(frozen=True)
class IngestReport:
    rows: list[ReportRow]
    stored: int  # how many stories the batch stored, also those past MAX_STORIES
    failed: int
    gone: int  # stories of the batch no longer stored


def findings(story: Story) -> tuple[Finding, ...]:
    """Which of the fields an editor relies on the parser found in this story."""
    found = {
        "headline": not story.needs_headline,
        "summary": bool((story.summary or "").strip()),
        "link": bool(story.url),
        "byline": bool(story.byline_people or story.byline_agencies),
        "dateline": bool(story.dateline),
        "time": story.published_at is not None or story.updated_at is not None,
        "image": bool(story.images),
        "body": bool(story.paragraphs),
    }
    return tuple(Finding(name, label, found[name]) for name, label in FIELDS)


def batch_token(ctx: Context, results: Sequence[ItemResult]) -> str:
    """The signed batch id for the report's address."""
    stored = [r for r in results if r.story is not None]
    return str(
        _serializer(ctx).dumps(
            {
                "s": [[r.story.id, _CODES[r.outcome]] for r in stored[:MAX_STORIES] if r.story],
                "n": len(stored),
                "f": sum(1 for r in results if r.failure is not None),
            }
        )
    )


def report(ctx: Context, token: str) -> IngestReport:
    """The report for a batch id; NotFound when the id is forged, mangled or expired."""
    try:
        batch = _serializer(ctx).loads(token, max_age=MAX_AGE_S)
        pairs = [(int(story_id), _OUTCOMES[code]) for story_id, code in batch["s"]]
        stored, failed = int(batch["n"]), int(batch["f"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("This ingest report has expired or its address is not complete.") from None
    rows: list[ReportRow] = []
    with ctx.db.transaction() as conn:
        for story_id, outcome in pairs:
            kept = story_store.get(conn, story_id)
            if kept is not None:
                story = kept.story
                rows.append(ReportRow(story_id, outcome, story.headline, findings(story)))
    return IngestReport(rows, stored=stored, failed=failed, gone=len(pairs) - len(rows))


class _ClockSigner(TimestampSigner):
    """itsdangerous's timestamp signer, on Bulletin's clock (so expiry is testable)."""

    def __init__(self, *args: Any, clock: Callable[[], datetime], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock().timestamp())


def _serializer(ctx: Context) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        ctx.settings.secret_key,
        salt=SALT,
        signer=_ClockSigner,
        signer_kwargs={"clock": ctx.clock},
    )
