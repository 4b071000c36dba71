"""Staff actions on one reader: a resend keeps the reader's limits, a suppression needs a
reason, an unsubscribe names a list the reader is on."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from bulletin.domain.errors import InvalidInput, NotFound, TooManyRequests, UnknownList
from bulletin.services.context import Context
from bulletin.services.readers import desk_actions, subscriptions
from bulletin.services.readers.signup_limits import SignUpLimits
from bulletin.store.tables import outbox
from tests.support.factories import FakeClock, confirmed_reader, unique_email, web_requester

ACTOR = "desk.editor@news.example.com"


def _outbox(ctx: Context) -> int:
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def _pending(ctx: Context, email: str | None = None) -> int:
    result = subscriptions.sign_up(
        ctx, email=email or unique_email(), list_slugs=["breaking"], requester=web_requester()
    )
    return result.subscriber_id


def test_a_resend_counts_against_the_readers_mailbox_limit(ctx: Context, clock: FakeClock) -> None:
    limits = SignUpLimits(
        ctx.settings.replace(signup_limit_mailbox="1/hour"), key_prefix=f"t-{uuid.uuid4().hex}"
    )
    reader = _pending(ctx, "Jane.Doe+desk@gmail.com")
    clock.advance(seconds=ctx.settings.confirm_resend_s)
    desk_actions.resend_confirmation(ctx, reader, actor=ACTOR, limits=limits)
    clock.advance(seconds=ctx.settings.confirm_resend_s)
    with pytest.raises(TooManyRequests) as refused:
        desk_actions.resend_confirmation(ctx, reader, actor=ACTOR, limits=limits)
    assert refused.value.limit == "mailbox"
    assert _outbox(ctx) == 2  # the sign-up's and one resend


def test_a_resend_within_the_readers_window_says_when(ctx: Context, clock: FakeClock) -> None:
    reader = _pending(ctx)
    clock.advance(minutes=9)
    with pytest.raises(TooManyRequests) as refused:
        desk_actions.resend_confirmation(ctx, reader, actor=ACTOR)
    assert refused.value.retry_after_s == 60
    assert _outbox(ctx) == 1


def test_a_suppression_needs_a_short_reason(ctx: Context) -> None:
    reader = confirmed_reader(ctx)
    with pytest.raises(InvalidInput, match="Say why"):
        desk_actions.suppress(ctx, reader, reason=" \n ", actor=ACTOR)
    with pytest.raises(InvalidInput, match="under 300"):
        desk_actions.suppress(ctx, reader, reason="x" * 301, actor=ACTOR)
    desk_actions.suppress(ctx, reader, reason="Asked  by\nletter", actor=ACTOR)
    with pytest.raises(InvalidInput, match="already suppressed"):
        desk_actions.suppress(ctx, reader, reason="again", actor=ACTOR)


def test_an_unsubscribe_names_a_real_list_and_a_real_reader(ctx: Context) -> None:
    reader = confirmed_reader(ctx)
    with pytest.raises(UnknownList):
        desk_actions.unsubscribe(ctx, reader, "no-such-list", actor=ACTOR)
    with pytest.raises(NotFound):
        desk_actions.unsubscribe(ctx, 987654, "breaking", actor=ACTOR)
    assert desk_actions.unsubscribe(ctx, reader, "breaking", actor=ACTOR) == (
        "Breaking News Alerts"
    )
