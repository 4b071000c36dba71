"""A running process sees the desk's changes within seconds, by its own clock."""

from __future__ import annotations

import logging

import pytest

from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.settings import desk
from bulletin.services.settings.live import LiveSettings
from bulletin.store.db import Database
from tests.support.factories import FakeClock, make_editor


def other_process(ctx: Context, clock: FakeClock) -> LiveSettings:
    """What another worker on the same database holds: its own memory, its own clock."""
    return LiveSettings(ctx.live_settings.base, Database(ctx.settings.database_url), clock)


def test_another_process_sees_a_change_once_its_next_check_is_due(ctx: Context) -> None:
    clock = FakeClock()
    worker = other_process(ctx, clock)
    assert worker.current().footer_text is None

    desk.save(ctx, {"footer_text": "Corrections: desk@x.org"}, actor=make_editor(ctx, Role.ADMIN))

    clock.advance(seconds=4)
    assert worker.current().footer_text is None  # still within the last check's 5 s
    clock.advance(seconds=1)
    assert worker.current().footer_text == "Corrections: desk@x.org"


def test_the_process_that_saves_sees_its_change_at_once(ctx: Context) -> None:
    assert ctx.settings.newsroom_name == "The Daily Example"

    desk.save(ctx, {"newsroom_name": "The Gazette"}, actor=make_editor(ctx, Role.ADMIN))

    assert ctx.settings.newsroom_name == "The Gazette"


def test_between_checks_nothing_is_read(ctx: Context) -> None:
    clock = FakeClock()
    worker = other_process(ctx, clock)
    first = worker.current()
    worker._db.dispose()
    worker._db = Database("sqlite:////nonexistent/dir/x.db")  # any read would now fail

    clock.advance(seconds=3)

    assert worker.current() is first


def test_an_unreadable_database_keeps_the_last_settings(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    desk.save(ctx, {"newsroom_name": "The Gazette"}, actor=make_editor(ctx, Role.ADMIN))
    clock = FakeClock()
    worker = other_process(ctx, clock)
    assert worker.current().newsroom_name == "The Gazette"
    worker._db = Database("sqlite:////nonexistent/dir/x.db")

    clock.advance(seconds=10)
    with caplog.at_level(logging.WARNING):
        assert worker.current().newsroom_name == "The Gazette"
    assert "cannot read the desk's settings" in caplog.text


def test_relays_sealed_under_another_secret_key_are_left_out_and_the_rest_applies(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    admin = make_editor(ctx, Role.ADMIN)
    desk.save(
        ctx,
        {"relays": "smtp://u:pw-1234@relay.example.org:25", "footer_text": "Kept."},
        actor=admin,
    )
    rekeyed = ctx.live_settings.base.replace(secret_key="another-secret-key-" + "k" * 20)

    with caplog.at_level(logging.ERROR):
        settings = LiveSettings(rekeyed, ctx.db, FakeClock()).current()

    assert settings.footer_text == "Kept."
    assert settings.relay_urls == ctx.live_settings.base.relay_urls
    assert "cannot be read with this BULLETIN_SECRET_KEY" in caplog.text
    assert "pw-1234" not in caplog.text
