"""Sign-up limits: per client, per network, per mailbox and overall, in memory or Redis."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import func, select

from bulletin.domain.errors import TooManyRequests
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.services.readers.signup_limits import SignUpLimits
from bulletin.services.readers.subscriptions import Requester
from bulletin.store.tables import consent_records, outbox, subscribers
from tests.support.factories import FakeClock, unique_email

REDIS = "redis://127.0.0.1:6379/3"


def _limits(ctx: Context, *, redis: str | None = None, **rates: str) -> SignUpLimits:
    settings = ctx.settings.replace(redis_url=redis, **rates)
    return SignUpLimits(settings, key_prefix=f"test-{uuid.uuid4().hex}")


def _sign_up(
    ctx: Context, limits: SignUpLimits, email: str, ip: str = "198.51.100.7"
) -> subscriptions.SignUpResult:
    return subscriptions.sign_up(
        ctx,
        email=email,
        list_slugs=["breaking"],
        requester=Requester(method="web_form", ip=ip),
        limits=limits,
    )


def _count(ctx: Context, table) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _refusal(ctx: Context, limits: SignUpLimits, email: str, ip: str) -> TooManyRequests:
    with pytest.raises(TooManyRequests) as refused:
        _sign_up(ctx, limits, email, ip)
    return refused.value


def test_one_client_past_its_limit_is_refused_and_nothing_is_stored(ctx: Context) -> None:
    limits = _limits(ctx, signup_limit_ip="3/minute")
    for _ in range(3):
        _sign_up(ctx, limits, unique_email())

    refused = _refusal(ctx, limits, unique_email(), "198.51.100.7")

    assert refused.limit == "ip"
    assert 1 <= refused.retry_after_s <= 60
    assert "try again in a minute" in str(refused)
    assert (_count(ctx, subscribers), _count(ctx, outbox), _count(ctx, consent_records)) == (
        3,
        3,
        3,
    )


def test_another_client_is_not_held_back_by_one_past_its_limit(ctx: Context) -> None:
    limits = _limits(ctx, signup_limit_ip="1/minute")
    _sign_up(ctx, limits, unique_email(), "198.51.100.7")
    _refusal(ctx, limits, unique_email(), "198.51.100.7")

    assert _sign_up(ctx, limits, unique_email(), "203.0.113.5").confirmation_queued


def test_clients_of_one_slash_24_share_the_network_limit(ctx: Context) -> None:
    limits = _limits(ctx, signup_limit_network="3/minute")
    for host in (1, 2, 3):
        _sign_up(ctx, limits, unique_email(), f"198.51.100.{host}")

    assert _refusal(ctx, limits, unique_email(), "198.51.100.4").limit == "network"
    assert _sign_up(ctx, limits, unique_email(), "198.51.101.4").confirmation_queued


def test_clients_of_one_ipv6_slash_48_share_the_network_limit(ctx: Context) -> None:
    limits = _limits(ctx, signup_limit_network="2/minute")
    _sign_up(ctx, limits, unique_email(), "2001:db8:1:1::1")
    _sign_up(ctx, limits, unique_email(), "2001:db8:1:2::1")

    assert _refusal(ctx, limits, unique_email(), "2001:db8:1:3::1").limit == "network"


def test_spellings_of_one_mailbox_share_its_confirmation_limit(ctx: Context) -> None:
    limits = _limits(ctx, signup_limit_mailbox="2/hour")
    _sign_up(ctx, limits, "Target.Reader+one@gmail.com", "198.51.100.1")
    _sign_up(ctx, limits, "targetreader+two@googlemail.com", "203.0.113.1")

    refused = _refusal(ctx, limits, "t.a.r.g.e.t.reader@gmail.com", "192.0.2.1")

    assert refused.limit == "mailbox"
    assert "inbox" in str(refused)
    assert (_count(ctx, subscribers), _count(ctx, outbox)) == (2, 2)


def test_a_repeat_that_sends_no_confirmation_does_not_count_against_the_mailbox(
    ctx: Context,
) -> None:
    limits = _limits(ctx, signup_limit_mailbox="1/hour")
    email = unique_email()
    _sign_up(ctx, limits, email)

    again = _sign_up(ctx, limits, email)  # within the resend interval: no email

    assert not again.confirmation_queued
    assert _count(ctx, outbox) == 1


def test_the_service_wide_confirmation_limit_refuses_past_it(ctx: Context) -> None:
    limits = _limits(ctx, confirmation_limit="2/minute")
    _sign_up(ctx, limits, unique_email(), "198.51.100.1")
    _sign_up(ctx, limits, unique_email(), "203.0.113.1")

    refused = _refusal(ctx, limits, unique_email(), "192.0.2.1")

    assert refused.limit == "confirmations"
    assert _count(ctx, subscribers) == 2


def test_distinct_readers_from_distinct_networks_are_all_accepted_by_default(
    ctx: Context, clock: FakeClock
) -> None:
    limits = _limits(ctx)
    results = [
        _sign_up(ctx, limits, unique_email(), f"198.51.{n}.{n % 250 + 1}") for n in range(40)
    ]

    assert all(result.confirmation_queued for result in results)
    assert _count(ctx, outbox) == 40


def test_redis_counts_are_shared_by_every_process_with_the_same_store(ctx: Context) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    settings = ctx.settings.replace(redis_url=REDIS, signup_limit_ip="2/minute")
    one, other = (
        SignUpLimits(settings, key_prefix=prefix),
        SignUpLimits(settings, key_prefix=prefix),
    )
    _sign_up(ctx, one, unique_email())
    _sign_up(ctx, other, unique_email())

    assert _refusal(ctx, one, unique_email(), "198.51.100.7").limit == "ip"
    assert _refusal(ctx, other, unique_email(), "198.51.100.7").limit == "ip"


def test_redis_counts_of_another_prefix_are_apart(ctx: Context) -> None:
    first = _limits(ctx, redis=REDIS, signup_limit_ip="1/minute")
    second = _limits(ctx, redis=REDIS, signup_limit_ip="1/minute")
    _sign_up(ctx, first, unique_email())

    assert _sign_up(ctx, second, unique_email()).confirmation_queued


def test_with_redis_unreachable_sign_ups_go_ahead_and_the_failure_is_logged(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    limits = _limits(ctx, redis="redis://127.0.0.1:1/0", signup_limit_ip="1/minute")
    with caplog.at_level(logging.WARNING):
        results = [_sign_up(ctx, limits, unique_email()) for _ in range(3)]

    assert all(result.confirmation_queued for result in results)
    assert "sign-up limits unavailable" in caplog.text
