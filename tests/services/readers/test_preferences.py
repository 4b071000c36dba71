"""The preference centre: joining, leaving, topics and schedule, all in the consent record."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bulletin.domain.errors import InvalidInput, TokenInvalid
from bulletin.domain.models import SubscriptionStatus
from bulletin.services.context import Context
from bulletin.services.readers import preferences
from bulletin.services.readers.preferences import PreferenceChange
from bulletin.services.readers.subscriptions import Requester
from bulletin.store.tables import consent_records, subscribers
from tests.support.factories import confirmed_reader

CENTRE = Requester(method="preference_centre", ip="127.0.0.1", user_agent="pytest")


def _token(ctx: Context, subscriber_id: int) -> str:
    with ctx.db.transaction() as conn:
        email = conn.execute(
            select(subscribers.c.email).where(subscribers.c.id == subscriber_id)
        ).scalar_one()
    return ctx.tokens.preferences(subscriber_id, email)


def _consent(ctx: Context, subscriber_id: int) -> list[tuple[str, str, str | None]]:
    with ctx.db.transaction() as conn:
        rows = conn.execute(
            select(consent_records.c.action, consent_records.c.method, consent_records.c.wording)
            .where(consent_records.c.subscriber_id == subscriber_id)
            .order_by(consent_records.c.id)
        )
        return [tuple(row) for row in rows]


def _change(**fields: object) -> PreferenceChange:
    defaults: dict[str, object] = {
        "lists": ["breaking"],
        "topics": [],
        "time_zone": "",
        "briefing_time": "06:00",
    }
    return PreferenceChange(**{**defaults, **fields})  # type: ignore[arg-type]


def test_a_new_reader_has_the_default_briefing_time_and_no_topics(ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["breaking"])
    prefs = preferences.load(ctx, _token(ctx, reader))
    assert prefs.briefing_time == "06:00"
    assert prefs.topics == ()
    assert [c.mailing_list.slug for c in prefs.lists if c.subscribed] == ["breaking"]


def test_joining_a_list_confirms_it_at_once_and_is_recorded(ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["breaking"])
    prefs = preferences.update(
        ctx,
        _token(ctx, reader),
        _change(lists=["breaking", "morning-briefing"]),
        requester=CENTRE,
    )
    briefing = next(c for c in prefs.lists if c.mailing_list.slug == "morning-briefing")
    assert briefing.status is SubscriptionStatus.CONFIRMED
    joined = [r for r in _consent(ctx, reader) if r[0] == "join"]
    assert joined == [("join", "preference_centre", joined[0][2])]
    assert "Morning Briefing" in (joined[0][2] or "")


def test_unticking_a_list_unsubscribes_and_is_recorded(ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["breaking", "special-reports"])
    prefs = preferences.update(
        ctx, _token(ctx, reader), _change(lists=["special-reports"]), requester=CENTRE
    )
    breaking = next(c for c in prefs.lists if c.mailing_list.slug == "breaking")
    assert breaking.status is SubscriptionStatus.UNSUBSCRIBED
    assert ("unsubscribe", "preference_centre", None) in _consent(ctx, reader)


def test_time_zone_topics_and_briefing_time_are_saved_and_recorded(ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["morning-briefing"])
    prefs = preferences.update(
        ctx,
        _token(ctx, reader),
        _change(
            lists=["morning-briefing"],
            topics=["science", "business"],
            time_zone="America/Chicago",
            briefing_time="07:15",
        ),
        requester=CENTRE,
    )
    assert (prefs.time_zone, prefs.briefing_time) == ("America/Chicago", "07:15")
    assert prefs.topics == ("business", "science")
    wordings = [r[2] for r in _consent(ctx, reader) if r[0] == "update"]
    assert "topics: business, science" in wordings
    assert any("America/Chicago" in (w or "") and "06:00 → 07:15" in (w or "") for w in wordings)


def test_saving_without_changes_records_nothing_new(ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["breaking"])
    token = _token(ctx, reader)
    before = _consent(ctx, reader)
    preferences.update(ctx, token, _change(), requester=CENTRE)
    assert _consent(ctx, reader) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus_Mons", "not a time zone"),
        ("time_zone", "../../etc/passwd", "not a time zone"),
        ("briefing_time", "06:07", "quarter hour"),
        ("briefing_time", "25:00", "quarter hour"),
        ("topics", ["gossip"], "no topic"),
        ("lists", ["breaking", "sports-scores"], "no list"),
    ],
)
def test_invalid_choices_are_refused_and_change_nothing(
    ctx: Context, field: str, value: object, message: str
) -> None:
    reader = confirmed_reader(ctx, ["breaking"])
    token = _token(ctx, reader)
    before = _consent(ctx, reader)
    with pytest.raises(InvalidInput, match=message):
        preferences.update(ctx, token, _change(**{field: value}), requester=CENTRE)
    prefs = preferences.load(ctx, token)
    assert [c.mailing_list.slug for c in prefs.lists if c.subscribed] == ["breaking"]
    assert (prefs.time_zone, prefs.briefing_time) == (None, "06:00")
    assert _consent(ctx, reader) == before


def test_leaving_everything_unsubscribes_from_every_list(ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["breaking", "special-reports", "morning-briefing"])
    prefs = preferences.leave_all(ctx, _token(ctx, reader), requester=CENTRE)
    assert {c.status for c in prefs.lists} == {SubscriptionStatus.UNSUBSCRIBED}
    assert sum(r[0] == "unsubscribe" for r in _consent(ctx, reader)) == 3


def test_other_purposes_tokens_do_not_open_the_centre(ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["breaking"])
    with ctx.db.transaction() as conn:
        email = conn.execute(
            select(subscribers.c.email).where(subscribers.c.id == reader)
        ).scalar_one()
    for token in (ctx.tokens.confirm(reader, email), ctx.tokens.unsubscribe(reader, 1)):
        with pytest.raises(TokenInvalid):
            preferences.load(ctx, token)


def test_a_link_for_another_address_is_refused(ctx: Context) -> None:
    reader = confirmed_reader(ctx, ["breaking"])
    with pytest.raises(TokenInvalid):
        preferences.load(ctx, ctx.tokens.preferences(reader, "someone.else@example.org"))
