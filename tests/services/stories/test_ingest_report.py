"""The desk's ingest report: what each story of a batch has, behind an expiring address."""

from __future__ import annotations

import pytest

from bulletin.domain.errors import NotFound
from bulletin.domain.stories import Outcome
from bulletin.services.context import Context
from bulletin.services.stories import ingest as stories
from bulletin.services.stories import ingest_report
from bulletin.store.tables import stories as stories_table
from tests.support.factories import FakeClock
from tests.support.fixtures import SEED


def _batch(ctx: Context) -> str:
    return ingest_report.batch_token(ctx, list(stories.ingest(ctx, str(SEED))))


def test_the_report_names_what_the_parser_found_and_what_it_did_not(ctx: Context) -> None:
    shown = ingest_report.report(ctx, _batch(ctx))
    (row,) = shown.rows
    assert row.outcome is Outcome.NEW and shown.stored == 1 and shown.failed == 0
    # The seed page has a byline, dateline and body but no headline and no link.
    assert "Headline" in row.missing and "Link" in row.missing
    found = {f.label for f in row.findings if f.found}
    assert {"Byline", "Dateline", "Body"} <= found


def test_the_report_address_works_for_a_week_then_expires(ctx: Context, clock: FakeClock) -> None:
    token = _batch(ctx)
    clock.advance(seconds=ingest_report.MAX_AGE_S - 60)
    assert len(ingest_report.report(ctx, token).rows) == 1
    clock.advance(seconds=120)
    with pytest.raises(NotFound, match="expired"):
        ingest_report.report(ctx, token)


def test_a_story_deleted_since_is_counted_as_gone_not_shown(ctx: Context) -> None:
    token = _batch(ctx)
    with ctx.db.transaction() as conn:
        conn.execute(stories_table.delete())
    shown = ingest_report.report(ctx, token)
    assert shown.rows == [] and shown.gone == 1
