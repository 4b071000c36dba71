"""Each sending campaign's message is built once and kept only while it sends; a
briefing's are built per topic segment and re-dated each quarter hour."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bulletin.delivery.composers import Composers, composer_key
from bulletin.delivery.memory_ledger import MemoryLedger
from bulletin.domain.ledger import CampaignInputs, DueDelivery
from bulletin.domain.models import (
    AlertDraft,
    Campaign,
    CampaignKind,
    CampaignStatus,
    ListKind,
    MailingList,
)
from bulletin.mail.compose import Links
from bulletin.mail.tokens import Tokens
from bulletin.services.alerts import sending as alerts
from bulletin.services.briefing import editions as briefing
from bulletin.services.context import Context
from bulletin.store.briefing import editions
from bulletin.store.ledger.sql import SqlLedger
from tests.support.briefing import add_story, briefing_reader
from tests.support.factories import FakeClock, confirmed_reader, make_settings

TUESDAY = date(2026, 11, 24)
BREAKING = MailingList(1, "breaking", "Breaking News", "Alerts", ListKind.ALERT)


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


def _row(campaign_id: int, segment: int | None, variant: int | None = None) -> DueDelivery:
    return DueDelivery(1, campaign_id, 2, "reader@example.com", 0, True, None, segment, variant)


def test_an_alert_has_one_key_whatever_the_reader_or_the_time() -> None:
    early = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    late = datetime(2026, 11, 24, 9, 47, tzinfo=UTC)

    assert composer_key(_row(7, None), early) == composer_key(_row(7, None), late) == (7, -1, 0, -1)


def test_each_subject_of_a_subject_test_has_a_key_and_the_rest_one_more() -> None:
    at = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)

    assert composer_key(_row(7, None, 0), at) == (7, -1, 0, 0)
    assert composer_key(_row(7, None, 2), at) == (7, -1, 0, 2)
    assert composer_key(_row(7, None, None), at) == (7, -1, 0, -1)


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
    key = (campaign_id, -1, 0, -1)

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
    composers.prepare(SqlLedger(ctx.db), {(kept, -1, 0, -1), (finished, -1, 0, -1)}, ctx.clock())
    assert composers.campaigns == {kept, finished}

    composers.forget_all_but([kept])

    assert composers.campaigns == {kept}
    assert set(composers.built) == {(kept, -1, 0, -1)}


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
    composers.prepare(ledger, {(campaign_id, 0, 100, -1), (campaign_id, 1, 100, -1)}, clock.now)

    composers.prepare(ledger, {(campaign_id, 0, 101, -1)}, clock.now)

    assert set(composers.built) == {(campaign_id, 0, 101, -1), (campaign_id, 1, 100, -1)}


def test_a_subject_test_builds_each_subject_and_the_winner_for_the_rest(
    tmp_path: Path,
) -> None:
    ledger = MemoryLedger()
    campaign = Campaign(
        id=1,
        kind=CampaignKind.ALERT,
        list_id=BREAKING.id,
        status=CampaignStatus.SENDING,
        subject="Dam gates opened",
        headline="Dam gates opened",
        summary="Residents below the dam are told to move to higher ground.",
        url="https://news.example.com/dam",
        created_at=datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
    )
    subjects = ("Dam gates opened", "Flood warning", "Evacuate now")
    ledger.add_campaign(CampaignInputs(campaign, BREAKING, subjects=subjects))
    ledger.winners[1] = 2
    settings = make_settings(tmp_path, "sqlite://")
    composers = Composers(Links.from_settings(settings), Tokens(settings.secret_key))
    keys = {(1, -1, 0, 0), (1, -1, 0, 1), (1, -1, 0, -1)}

    composers.prepare(ledger, keys, campaign.created_at)

    built = {key[3]: composers.built[key].campaign.subject for key in keys}
    assert built == {0: subjects[0], 1: subjects[1], -1: subjects[2]}
    assert ledger.decided == [1]  # asked once, for the rest only
