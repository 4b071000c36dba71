"""Signing up, confirming and leaving: the rules, through the real database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bulletin.domain.errors import (
    InvalidAddress,
    InvalidInput,
    TokenExpired,
    TokenInvalid,
    UnknownList,
)
from bulletin.domain.models import SubscriptionStatus
from bulletin.mail.tokens import Tokens
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.store.readers import subscribers as subscriber_store
from bulletin.store.tables import consent_records, outbox, subscribers
from tests.support.factories import (
    FakeClock,
    confirmed_reader,
    suppress,
    unique_email,
    web_requester,
)


def _count(ctx: Context, table) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _statuses(ctx: Context, subscriber_id: int) -> set[SubscriptionStatus]:
    with ctx.db.transaction() as conn:
        return set(subscriber_store.statuses(conn, subscriber_id).values())


def _sign_up(ctx: Context, email: str, lists: list[str] | None = None):  # type: ignore[no-untyped-def]
    return subscriptions.sign_up(
        ctx, email=email, list_slugs=lists or ["breaking"], requester=web_requester()
    )


def test_sign_up_creates_pending_subscriptions_and_queues_one_confirmation(ctx: Context) -> None:
    result = _sign_up(ctx, "Reader@News.Example.ORG", ["breaking", "morning-briefing"])

    assert result.email == "Reader@news.example.org"
    assert result.confirmation_queued
    assert _statuses(ctx, result.subscriber_id) == {SubscriptionStatus.PENDING}
    assert _count(ctx, outbox) == 1
    assert _count(ctx, consent_records) == 2


def test_invalid_address_stores_nothing(ctx: Context) -> None:
    with pytest.raises(InvalidAddress):
        _sign_up(ctx, "not-an-address")
    assert _count(ctx, subscribers) == 0
    assert _count(ctx, outbox) == 0


def test_no_list_chosen_is_refused(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match="at least one list"):
        subscriptions.sign_up(ctx, email=unique_email(), list_slugs=[], requester=web_requester())
    assert _count(ctx, subscribers) == 0


def test_unknown_list_is_refused_and_nothing_stored(ctx: Context) -> None:
    with pytest.raises(UnknownList):
        _sign_up(ctx, unique_email(), ["breaking", "sports-scores"])
    assert _count(ctx, subscribers) == 0


def test_signing_up_twice_keeps_one_subscriber_and_resends_at_most_every_ten_minutes(
    ctx: Context, clock: FakeClock
) -> None:
    email = unique_email()
    first = _sign_up(ctx, email)
    clock.advance(minutes=3)
    second = _sign_up(ctx, email)
    clock.advance(minutes=8)
    third = _sign_up(ctx, email)

    assert first.subscriber_id == second.subscriber_id == third.subscriber_id
    assert _count(ctx, subscribers) == 1
    assert (first.confirmation_queued, second.confirmation_queued, third.confirmation_queued) == (
        True,
        False,
        True,
    )
    assert _count(ctx, outbox) == 2


def test_a_pending_sign_up_repeated_adds_no_consent_rows(ctx: Context, clock: FakeClock) -> None:
    email = unique_email()
    for _ in range(5):
        _sign_up(ctx, email, ["breaking", "morning-briefing"])
        clock.advance(minutes=11)  # past the resend interval: a confirmation each time

    assert _count(ctx, consent_records) == 2  # one sign-up per list, the first
    assert _count(ctx, outbox) == 5


def test_a_repeat_that_adds_a_list_records_consent_for_that_list_only(ctx: Context) -> None:
    email = unique_email()
    _sign_up(ctx, email, ["breaking"])
    _sign_up(ctx, email, ["breaking", "special-reports"])

    with ctx.db.transaction() as conn:
        wordings = [r.wording for r in conn.execute(select(consent_records.c.wording))]
    assert len(wordings) == 2
    assert wordings[1].startswith("Special Reports")


def test_confirming_confirms_every_pending_list(ctx: Context) -> None:
    result = _sign_up(ctx, unique_email(), ["breaking", "special-reports"])
    token = ctx.tokens.confirm(result.subscriber_id, result.email)

    shown = subscriptions.check_confirmation(ctx, token)
    assert _statuses(ctx, result.subscriber_id) == {SubscriptionStatus.PENDING}  # GET is safe
    done = subscriptions.confirm(ctx, token, requester=web_requester())

    assert (
        set(shown.list_names) == set(done.list_names) == {"Breaking News Alerts", "Special Reports"}
    )
    assert _statuses(ctx, result.subscriber_id) == {SubscriptionStatus.CONFIRMED}


def test_confirming_twice_is_harmless(ctx: Context) -> None:
    result = _sign_up(ctx, unique_email())
    token = ctx.tokens.confirm(result.subscriber_id, result.email)
    subscriptions.confirm(ctx, token, requester=web_requester())
    again = subscriptions.confirm(ctx, token, requester=web_requester())
    assert again.list_names == ()
    assert _statuses(ctx, result.subscriber_id) == {SubscriptionStatus.CONFIRMED}


def test_expired_confirmation_changes_nothing(ctx: Context, clock: FakeClock) -> None:
    result = _sign_up(ctx, unique_email())
    token = ctx.tokens.confirm(result.subscriber_id, result.email)
    clock.advance(hours=48, seconds=1)
    with pytest.raises(TokenExpired):
        subscriptions.confirm(ctx, token, requester=web_requester())
    assert _statuses(ctx, result.subscriber_id) == {SubscriptionStatus.PENDING}


def test_forged_confirmation_changes_nothing(ctx: Context) -> None:
    result = _sign_up(ctx, unique_email())
    forged = Tokens("another-secret-of-sufficient-length-000000").confirm(
        result.subscriber_id, result.email
    )
    with pytest.raises(TokenInvalid):
        subscriptions.confirm(ctx, forged, requester=web_requester())
    assert _statuses(ctx, result.subscriber_id) == {SubscriptionStatus.PENDING}


def test_unsubscribe_token_cannot_confirm(ctx: Context) -> None:
    result = _sign_up(ctx, unique_email())
    wrong_purpose = ctx.tokens.unsubscribe(result.subscriber_id, 1)
    with pytest.raises(TokenInvalid):
        subscriptions.confirm(ctx, wrong_purpose, requester=web_requester())
    assert _statuses(ctx, result.subscriber_id) == {SubscriptionStatus.PENDING}


def test_confirmation_for_another_address_with_a_reused_id_is_refused(ctx: Context) -> None:
    result = _sign_up(ctx, unique_email())
    token = ctx.tokens.confirm(result.subscriber_id, "someone-else@readers.example.org")
    with pytest.raises(TokenInvalid):
        subscriptions.confirm(ctx, token, requester=web_requester())


def test_unsubscribe_leaves_only_that_list_and_is_recorded(ctx: Context) -> None:
    result = _sign_up(ctx, unique_email(), ["breaking", "morning-briefing"])
    subscriptions.confirm(
        ctx, ctx.tokens.confirm(result.subscriber_id, result.email), requester=web_requester()
    )
    with ctx.db.transaction() as conn:
        before = subscriber_store.statuses(conn, result.subscriber_id)
    breaking_id = min(before)  # the first seeded list
    token = ctx.tokens.unsubscribe(result.subscriber_id, breaking_id)

    target = subscriptions.unsubscribe(ctx, token, requester=web_requester())
    subscriptions.unsubscribe(ctx, token, requester=web_requester())  # twice is harmless

    with ctx.db.transaction() as conn:
        after = subscriber_store.statuses(conn, result.subscriber_id)
        records = (
            conn.execute(
                select(consent_records.c.action).where(
                    consent_records.c.subscriber_id == result.subscriber_id
                )
            )
            .scalars()
            .all()
        )
    assert target.list_name == "Breaking News Alerts"
    assert after[breaking_id] is SubscriptionStatus.UNSUBSCRIBED
    assert sorted(s.value for s in after.values()) == ["confirmed", "unsubscribed"]
    assert records.count("unsubscribe") == 1


def test_unsubscribe_links_work_for_at_least_sixty_days(ctx: Context, clock: FakeClock) -> None:
    result = _sign_up(ctx, unique_email())
    token = ctx.tokens.unsubscribe(result.subscriber_id, 1)
    clock.advance(days=60)
    assert subscriptions.check_unsubscribe(ctx, token).list_name == "Breaking News Alerts"


def test_rejoining_after_unsubscribing_needs_confirmation_again(
    ctx: Context, clock: FakeClock
) -> None:
    email = unique_email()
    result = _sign_up(ctx, email)
    subscriptions.confirm(
        ctx, ctx.tokens.confirm(result.subscriber_id, email), requester=web_requester()
    )
    subscriptions.unsubscribe(
        ctx, ctx.tokens.unsubscribe(result.subscriber_id, 1), requester=web_requester()
    )
    clock.advance(minutes=11)

    again = _sign_up(ctx, email)

    assert again.confirmation_queued
    assert _statuses(ctx, result.subscriber_id) == {SubscriptionStatus.PENDING}


def test_time_zone_kept_only_when_real(ctx: Context) -> None:
    good = _sign_up_with_zone(ctx, "Europe/Berlin")
    bad = _sign_up_with_zone(ctx, "Mars/Olympus_Mons")
    with ctx.db.transaction() as conn:
        zones = conn.execute(select(subscribers.c.id, subscribers.c.time_zone)).all()
    assert dict(zones) == {good: "Europe/Berlin", bad: None}


def _sign_up_with_zone(ctx: Context, zone: str) -> int:
    return subscriptions.sign_up(
        ctx,
        email=unique_email(),
        list_slugs=["breaking"],
        requester=web_requester(),
        time_zone=zone,
    ).subscriber_id


def test_confirmation_resend_interval_is_measured_from_the_last_send(
    ctx: Context, clock: FakeClock
) -> None:
    email = unique_email()
    _sign_up(ctx, email)
    clock.advance(seconds=ctx.settings.confirm_resend_s - 1)
    assert not _sign_up(ctx, email).confirmation_queued
    clock.advance(seconds=1)
    assert _sign_up(ctx, email).confirmation_queued


# One identity per address


def test_any_spelling_of_an_address_is_the_same_reader_who_keeps_their_own(
    ctx: Context, clock: FakeClock
) -> None:
    first = _sign_up(ctx, "Case.Test@Example.com")
    clock.advance(hours=1)
    again = _sign_up(ctx, "case.test@EXAMPLE.COM", ["special-reports"])
    assert again.subscriber_id == first.subscriber_id
    assert again.email == "Case.Test@example.com"  # where the confirmation goes
    assert _count(ctx, subscribers) == 1
    assert _statuses(ctx, first.subscriber_id) == {SubscriptionStatus.PENDING}


def test_a_case_variant_of_a_suppressed_address_is_sent_no_confirmation(ctx: Context) -> None:
    suppress(ctx, "Bounced@Readers.example.org")
    result = _sign_up(ctx, "bounced@readers.EXAMPLE.org")
    assert not result.confirmation_queued
    assert _count(ctx, outbox) == 0


def test_a_case_variant_of_a_reader_who_left_may_rejoin_only_by_confirming(
    ctx: Context, clock: FakeClock
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email="Left.Reader@readers.example.org")
    token = ctx.tokens.unsubscribe(reader, 1)
    subscriptions.unsubscribe(ctx, token, requester=web_requester())
    clock.advance(hours=1)
    again = _sign_up(ctx, "left.reader@readers.example.org")
    assert again.subscriber_id == reader and again.confirmation_queued
    assert _statuses(ctx, reader) == {SubscriptionStatus.PENDING}  # nothing sent until confirmed
