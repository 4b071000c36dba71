"""Each sending campaign's message is built once and kept only while it sends; a
briefing's are built per topic segment and re-dated each quarter hour."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bulletin.delivery.composers import Composers, composer_key
from bulletin.domain.ledger import DueDelivery
from bulletin.domain.models import AlertDraft
from bulletin.mail.compose import Links
from bulletin.mail.tokens import Tokens
from bulletin.services.alerts import sending as alerts
from bulletin.services.briefing import editions as briefing
from bulletin.services.context import Context
from bulletin.store.briefing import editions
from bulletin.store.ledger.sql import SqlLedger
from tests.support.briefing import add_story, briefing_reader
from tests.support.factories import FakeClock, confirmed_reader

TUESDAY = date(2026, 11, 24)


def _alert(ctx: Context, headline: str) -> int:
    draft = AlertDraft(
        headline=headline,
        summary="Officials confirmed it an hour ago.",
        url="https://news.example.com/a",
    )
    return alerts.fire_alert(ctx, draft, actor=None).campaign_id


def _composers(ctx: Context) -> Composers:
    links = Links.from_settings(ctx.settings)
    return Composers(links, Tokens(ctx.settings.secret_key, clock=ctx.clock))


def _row(campaign_id: int, segment: int | None) -> DueDelivery:
    return DueDelivery(1, campaign_id, 2, "reader@example.com", 0, True, None, segment)


def test_an_alert_has_one_key_whatever_the_reader_or_the_time() -> None:
    early = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    late = datetime(2026, 11, 24, 9, 47, tzinfo=UTC)

    assert composer_key(_row(7, None), early) == composer_key(_row(7, None), late) == (7, -1, 0)


def test_a_briefing_segment_has_a_key_per_quarter_hour() -> None:
    at_0601 = datetime(2026, 11, 24, 6, 1, tzinfo=UTC)
    at_0614 = datetime(2026, 11, 24, 6, 14, tzinfo=UTC)
    at_0616 = datetime(2026, 11, 24, 6, 16, tzinfo=UTC)

    assert composer_key(_row(7, 3), at_0601) == composer_key(_row(7, 3), at_0614)
    assert composer_key(_row(7, 3), at_0616)[2] == composer_key(_row(7, 3), at_0601)[2] + 1
    assert composer_key(_row(7, 5), at_0601)[:2] == (7, 5)


def test_an_alert_is_built_once_and_kept(ctx: Context) -> None:
    confirmed_reader(ctx)
    campaign_id = _alert(ctx, "Dam gates opened")
    composers = _composers(ctx)
    key = (campaign_id, -1, 0)

    ledger = SqlLedger(ctx.db)
    composers.prepare(ledger, {key}, ctx.clock())
    first = composers.built[key]
    composers.prepare(ledger, {key}, ctx.clock())

    assert composers.built[key] is first
    assert first.campaign.id == campaign_id


def test_campaigns_no_longer_sending_are_let_go(ctx: Context) -> None:
    confirmed_reader(ctx)
    kept = _alert(ctx, "Polls close")
    finished = _alert(ctx, "Results declared")
    composers = _composers(ctx)
    composers.prepare(SqlLedger(ctx.db), {(kept, -1, 0), (finished, -1, 0)}, ctx.clock())
    assert composers.campaigns == {kept, finished}

    composers.forget_all_but([kept])

    assert composers.campaigns == {kept}
    assert set(composers.built) == {(kept, -1, 0)}


def test_a_new_quarter_hour_replaces_that_segment_only(ctx: Context, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    add_story(ctx, headline="Parliament dissolved", section="Politics", urgency=2)
    briefing_reader(ctx, zone="Europe/Berlin")
    briefing.approve(ctx, TUESDAY, actor=None, write_now=True)
    with ctx.db.reading() as conn:
        edition = editions.by_date(conn, TUESDAY)
    assert edition is not None and edition.campaign_id is not None
    campaign_id = edition.campaign_id
    composers = _composers(ctx)
    ledger = SqlLedger(ctx.db)
    composers.prepare(ledger, {(campaign_id, 0, 100), (campaign_id, 1, 100)}, clock.now)

    composers.prepare(ledger, {(campaign_id, 0, 101)}, clock.now)

    assert set(composers.built) == {(campaign_id, 0, 101), (campaign_id, 1, 100)}
