"""Specifications for the signed, purpose-bound, expiring tokens in our links."""

from __future__ import annotations

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

from bulletin.domain.errors import TokenExpired, TokenInvalid
from bulletin.mail.tokens import (
    CONFIRM_SALT,
    UNSUBSCRIBE_SALT,
    ConfirmClaim,
    PreferencesClaim,
    Tokens,
    UnsubscribeClaim,
    _signer_on,
    address_hash,
)
from tests.support.factories import SECRET, FakeClock

DAY = 86400
OTHER_SECRET = "another-newsroom-secret-that-is-long-enough-987654"


def tokens_on(clock: FakeClock, secret: str = SECRET) -> Tokens:
    return Tokens(secret, clock=clock)


def with_payload(token: str, payload: bytes) -> str:
    """The same timestamp and signature, with the signed part swapped for another."""
    _, timestamp, signature = token.split(".")
    return ".".join([base64_encode(payload).decode(), timestamp, signature])


def test_confirm_token_round_trips() -> None:
    tokens = tokens_on(FakeClock())
    token = tokens.confirm(42, "reader@example.org")
    assert tokens.read_confirm(token, max_age_s=DAY) == ConfirmClaim(
        subscriber_id=42, address_hash=address_hash("reader@example.org")
    )


def test_unsubscribe_token_round_trips() -> None:
    tokens = tokens_on(FakeClock())
    token = tokens.unsubscribe(42, 3)
    assert tokens.read_unsubscribe(token, max_age_s=DAY) == UnsubscribeClaim(42, 3)


def test_unsubscribe_token_names_the_campaign_it_was_sent_in() -> None:
    tokens = tokens_on(FakeClock())
    token = tokens.unsubscribe(42, 3, 1234)
    assert tokens.read_unsubscribe(token, max_age_s=DAY) == UnsubscribeClaim(42, 3, 1234)
    assert token.count(".") == 4  # subscriber.list.campaign.timestamp.signature, URL-safe


def test_a_token_signed_before_campaigns_were_named_still_works() -> None:
    tokens = tokens_on(FakeClock())
    old = tokens._unsubscribe.sign("42.3").decode()
    assert tokens.read_unsubscribe(old, max_age_s=DAY) == UnsubscribeClaim(42, 3, None)


def test_a_forged_campaign_in_an_unsubscribe_token_is_invalid() -> None:
    tokens = tokens_on(FakeClock())
    subscriber, list_id, _campaign, timestamp, signature = tokens.unsubscribe(42, 3, 7).split(".")
    forged = ".".join([subscriber, list_id, "8", timestamp, signature])
    with pytest.raises(TokenInvalid):
        tokens.read_unsubscribe(forged, max_age_s=DAY)


def test_token_is_safe_in_a_url_and_does_not_reveal_the_address() -> None:
    token = tokens_on(FakeClock()).confirm(42, "reader@example.org")
    assert all(ch.isalnum() or ch in "-_." for ch in token)
    assert "reader" not in token
    assert address_hash("reader@example.org") != address_hash("Reader@example.org")


def test_token_is_good_until_its_last_second() -> None:
    clock = FakeClock()
    tokens = tokens_on(clock)
    token = tokens.unsubscribe(42, 3)
    clock.advance(seconds=DAY)
    assert tokens.read_unsubscribe(token, max_age_s=DAY).subscriber_id == 42


def test_token_older_than_its_lifetime_has_expired() -> None:
    clock = FakeClock()
    tokens = tokens_on(clock)
    confirm, unsubscribe = tokens.confirm(42, "reader@example.org"), tokens.unsubscribe(42, 3)
    clock.advance(seconds=DAY + 1)
    with pytest.raises(TokenExpired, match="This confirmation link has expired"):
        tokens.read_confirm(confirm, max_age_s=DAY)
    with pytest.raises(TokenExpired, match="This unsubscribe link has expired"):
        tokens.read_unsubscribe(unsubscribe, max_age_s=DAY)


def test_expiry_follows_the_clock_given_not_the_wall_clock() -> None:
    issued = tokens_on(FakeClock()).unsubscribe(42, 3)
    a_year_on = FakeClock()
    a_year_on.advance(days=365)
    with pytest.raises(TokenExpired):
        tokens_on(a_year_on).read_unsubscribe(issued, max_age_s=364 * DAY)


def test_edited_subscriber_id_is_invalid() -> None:
    tokens = tokens_on(FakeClock())
    token = tokens.unsubscribe(42, 3)
    assert token.startswith("42.3.")
    forged = "43" + token[2:]
    with pytest.raises(TokenInvalid, match="may have been cut short or altered"):
        tokens.read_unsubscribe(forged, max_age_s=DAY)


def test_token_cut_short_is_invalid() -> None:
    tokens = tokens_on(FakeClock())
    token = tokens.confirm(42, "reader@example.org")
    with pytest.raises(TokenInvalid, match="cut short or altered"):
        tokens.read_confirm(token[:-6], max_age_s=DAY)


@pytest.mark.parametrize("garbage", ["", "not-a-token", "a.b.c", "...."])
def test_garbage_is_invalid(garbage: str) -> None:
    with pytest.raises(TokenInvalid):
        tokens_on(FakeClock()).read_unsubscribe(garbage, max_age_s=DAY)


def test_confirm_token_cannot_unsubscribe() -> None:
    tokens = tokens_on(FakeClock())
    confirm = tokens.confirm(42, "reader@example.org")
    with pytest.raises(TokenInvalid, match="This unsubscribe link is not valid"):
        tokens.read_unsubscribe(confirm, max_age_s=DAY)


def test_unsubscribe_token_cannot_confirm() -> None:
    tokens = tokens_on(FakeClock())
    unsubscribe = tokens.unsubscribe(42, 3)
    with pytest.raises(TokenInvalid, match="This confirmation link is not valid"):
        tokens.read_confirm(unsubscribe, max_age_s=DAY)


def test_token_signed_with_another_secret_is_invalid() -> None:
    clock = FakeClock()
    theirs = tokens_on(clock, OTHER_SECRET).unsubscribe(42, 3)
    with pytest.raises(TokenInvalid):
        tokens_on(clock).read_unsubscribe(theirs, max_age_s=DAY)


@pytest.mark.parametrize("payload", ["hello", [42], [42, "x", 1], ["42", "abc"], [42, 7]])
def test_genuinely_signed_but_wrongly_shaped_claim_is_invalid(payload: object) -> None:
    odd = URLSafeTimedSerializer(SECRET, salt=CONFIRM_SALT).dumps(payload)
    with pytest.raises(TokenInvalid, match="This confirmation link is not valid"):
        Tokens(SECRET).read_confirm(odd, max_age_s=DAY)


def test_preferences_token_round_trips_and_names_the_address_only_by_fingerprint() -> None:
    tokens = tokens_on(FakeClock())
    token = tokens.preferences(42, "reader@example.org")
    assert tokens.read_preferences(token, max_age_s=DAY) == PreferencesClaim(
        42, address_hash("reader@example.org")
    )
    assert "reader" not in token


def test_preferences_and_confirm_tokens_are_not_interchangeable() -> None:
    tokens = tokens_on(FakeClock())
    preferences = tokens.preferences(42, "reader@example.org")
    confirm = tokens.confirm(42, "reader@example.org")
    with pytest.raises(TokenInvalid):
        tokens.read_confirm(preferences, max_age_s=DAY)
    with pytest.raises(TokenInvalid):
        tokens.read_preferences(confirm, max_age_s=DAY)


@pytest.mark.parametrize("payload", ["1.2", "123456789.3.77", "42.0123456789abcdef", ""])
def test_fast_signing_makes_exactly_what_itsdangerous_makes(payload: str) -> None:
    clock = FakeClock()
    fast = _signer_on(clock)(SECRET, salt=UNSUBSCRIBE_SALT)
    plain = TimestampSigner(SECRET, salt=UNSUBSCRIBE_SALT)
    plain.get_timestamp = lambda: int(clock().timestamp())  # type: ignore[method-assign]

    for _ in range(2):  # the second time from the cached key and timestamp
        assert fast.sign(payload) == plain.sign(payload)
        assert plain.unsign(fast.sign(payload)) == payload.encode()
    clock.advance(seconds=1)
    assert fast.sign(payload) == plain.sign(payload)


def test_click_token_names_the_campaign_and_the_position_of_its_link() -> None:
    from bulletin.mail.tokens import ClickClaim

    tokens = tokens_on(FakeClock())
    assert tokens.read_click(tokens.click(12, 3), max_age_s=DAY) == ClickClaim(12, 3)


def test_click_token_naming_another_link_does_not_verify() -> None:
    tokens = tokens_on(FakeClock())
    _, stamp, signature = tokens.click(12, 3).rsplit(".", 2)
    for other in ("12.4", "13.3", "12.3.1"):
        with pytest.raises(TokenInvalid):
            tokens.read_click(f"{other}.{stamp}.{signature}", max_age_s=DAY)


def test_click_token_expires() -> None:
    clock = FakeClock()
    tokens = tokens_on(clock)
    token = tokens.click(12, 3)
    clock.advance(days=2)
    with pytest.raises(TokenExpired):
        tokens.read_click(token, max_age_s=DAY)


def test_an_unsubscribe_token_is_not_a_click_token() -> None:
    tokens = tokens_on(FakeClock())
    with pytest.raises(TokenInvalid):
        tokens.read_click(tokens.unsubscribe(12, 3), max_age_s=DAY)
