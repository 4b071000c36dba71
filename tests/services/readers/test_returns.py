"""The one pipeline for returned mail: what each class does to the reader it is about."""

from __future__ import annotations

from bulletin.domain.addresses import address_key
from bulletin.domain.models import AlertDraft, SubscriptionStatus
from bulletin.mail.returns import ReturnClass as C
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.readers import returns
from bulletin.store import audit
from bulletin.store.readers import events, suppressions
from bulletin.store.readers import subscribers as subscriber_store
from tests.support.factories import FakeClock, confirmed_reader

ALERT = AlertDraft("Polls close", "Counting starts at ten.", "https://news.example.com/polls")


def send(ctx: Context) -> int:
    return alerts.fire_alert(ctx, ALERT, actor=None).campaign_id


def take(
    ctx: Context, cls: C, reader: int | None, campaign: int | None, key: str
) -> returns.Applied:
    item = returns.Classified(cls, key, f"{cls} test", "mail", reader, campaign, actor="test")
    return returns.apply(ctx, item)


def suppressed(ctx: Context, reader: int) -> bool:
    with ctx.db.transaction() as conn:
        return suppressions.of_reader(conn, reader) is not None


def statuses(ctx: Context, reader: int) -> set[SubscriptionStatus]:
    with ctx.db.transaction() as conn:
        return set(subscriber_store.statuses(conn, reader).values())


def test_an_address_that_is_gone_suppresses_at_once(ctx: Context) -> None:
    reader = confirmed_reader(ctx)

    applied = take(ctx, C.ADDRESS, reader, send(ctx), "gone")

    assert (applied.action, applied.suppressed) == ("recorded", True)
    assert suppressed(ctx, reader)


def test_soft_bounces_of_three_different_sends_in_the_window_suppress(ctx: Context) -> None:
    reader = confirmed_reader(ctx)
    first, second, third = (send(ctx) for _ in range(3))

    take(ctx, C.MAILBOX, reader, first, "full-1")
    take(ctx, C.TEMPORARY, reader, second, "deferred-2")
    assert not suppressed(ctx, reader)

    applied = take(ctx, C.MAILBOX, reader, third, "full-3")

    assert applied.suppressed and suppressed(ctx, reader)


def test_a_providers_retries_of_one_send_count_as_one_soft_bounce(ctx: Context) -> None:
    reader = confirmed_reader(ctx)
    campaign = send(ctx)

    for attempt in range(5):
        take(ctx, C.TEMPORARY, reader, campaign, f"deferred-{attempt}")

    assert not suppressed(ctx, reader)


def test_soft_bounces_older_than_the_window_do_not_count(ctx: Context, clock: FakeClock) -> None:
    reader = confirmed_reader(ctx)
    old, newer, newest = (send(ctx) for _ in range(3))
    take(ctx, C.MAILBOX, reader, old, "full-old")
    clock.advance(days=16)  # the window is 15 days

    take(ctx, C.MAILBOX, reader, newer, "full-newer")
    take(ctx, C.MAILBOX, reader, newest, "full-newest")

    assert not suppressed(ctx, reader)


def test_a_complaint_suppresses_and_unsubscribes_from_every_list(ctx: Context) -> None:
    reader = confirmed_reader(ctx, lists=["breaking", "morning-briefing"])

    applied = take(ctx, C.COMPLAINT, reader, send(ctx), "abuse")

    assert applied.suppressed and applied.unsubscribed
    assert statuses(ctx, reader) == {SubscriptionStatus.UNSUBSCRIBED}


def test_an_opt_out_leaves_only_that_sends_list(ctx: Context) -> None:
    reader = confirmed_reader(ctx, lists=["breaking", "morning-briefing"])

    applied = take(ctx, C.OPT_OUT, reader, send(ctx), "opt-out")

    assert applied.unsubscribed and not applied.suppressed
    assert statuses(ctx, reader) == {SubscriptionStatus.UNSUBSCRIBED, SubscriptionStatus.CONFIRMED}


def test_a_sender_side_refusal_is_recorded_against_the_send_and_never_the_reader(
    ctx: Context,
) -> None:
    reader = confirmed_reader(ctx)
    campaign = send(ctx)

    applied = take(ctx, C.SENDER, reader, campaign, "5.7.26")

    assert (applied.action, applied.suppresses) == ("recorded", False)
    assert not suppressed(ctx, reader)
    assert statuses(ctx, reader) == {SubscriptionStatus.CONFIRMED}
    with ctx.db.transaction() as conn:
        assert events.counts(conn, campaign)[events.EventKind.SENDER] == 1


def test_the_same_return_twice_counts_once_and_an_unknown_reader_changes_nothing(
    ctx: Context,
) -> None:
    reader = confirmed_reader(ctx)
    campaign = send(ctx)

    assert take(ctx, C.ADDRESS, reader, campaign, "once").action == "recorded"
    assert take(ctx, C.ADDRESS, reader, campaign, "once").action == "duplicate"
    assert take(ctx, C.ADDRESS, None, campaign, "nobody").action == "unmatched"
    assert take(ctx, C.AUTO_REPLY, reader, campaign, "away").action == "ignored"


def item(cls: C, reader: int | None, campaign: int | None, key: str) -> returns.Classified:
    return returns.Classified(cls, key, f"{cls} test", "mail", reader, campaign, actor="test")


def audit_actions(ctx: Context, action: str) -> int:
    with ctx.db.transaction() as conn:
        return sum(1 for entry in audit.recent(conn) if entry["action"] == action)


def test_returns_taken_in_together_get_each_their_own_answer_in_order(ctx: Context) -> None:
    reader, other = confirmed_reader(ctx), confirmed_reader(ctx)
    campaign = send(ctx)

    applied = returns.apply_all(
        ctx,
        [
            item(C.ADDRESS, reader, campaign, "gone"),
            item(C.ADDRESS, 999_999, campaign, "forged"),  # never sent: the ledger says no
            item(C.AUTO_REPLY, other, campaign, "away"),
            item(C.REPORT, other, campaign, "not-spam"),
        ],
    )

    assert [a.action for a in applied] == ["recorded", "unmatched", "ignored", "recorded"]
    assert applied[0].suppressed and suppressed(ctx, reader)
    assert not suppressed(ctx, other)


def test_the_same_return_twice_in_one_batch_counts_once(ctx: Context) -> None:
    reader = confirmed_reader(ctx)
    campaign = send(ctx)
    twice = item(C.ADDRESS, reader, campaign, "gone")

    applied = returns.apply_all(ctx, [twice, twice])

    assert [a.action for a in applied] == ["recorded", "duplicate"]
    assert audit_actions(ctx, "suppression.add") == 1


def test_two_returns_for_one_reader_in_one_batch_suppress_them_once(ctx: Context) -> None:
    reader = confirmed_reader(ctx)
    campaign = send(ctx)

    applied = returns.apply_all(
        ctx,
        [item(C.ADDRESS, reader, campaign, "dsn"), item(C.COMPLAINT, reader, campaign, "arf")],
    )

    assert [a.suppressed for a in applied] == [True, False]
    assert applied[1].unsubscribed  # the complaint still takes them off every list
    assert audit_actions(ctx, "suppression.add") == 1
    assert statuses(ctx, reader) == {SubscriptionStatus.UNSUBSCRIBED}


def test_a_provider_naming_the_address_is_believed_and_the_campaign_only_with_our_tag(
    ctx: Context,
) -> None:
    reader = confirmed_reader(ctx)
    campaign = send(ctx)
    with ctx.db.transaction() as conn:
        found = subscriber_store.get(conn, reader)
    assert found is not None
    key = address_key(found.email)

    tagged, untagged = returns.apply_all(
        ctx,
        [
            returns.Classified(C.REPORT, "h1", "x", "postmark", reader, campaign, key),
            returns.Classified(C.REPORT, "h2", "x", "postmark", reader + 1, campaign, key),
        ],
    )

    assert (tagged.action, tagged.campaign_id) == ("recorded", campaign)
    assert (untagged.action, untagged.campaign_id) == ("recorded", None)
