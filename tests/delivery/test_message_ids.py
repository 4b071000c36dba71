"""Message-IDs are this install's own: no reset or copy of the database makes IDs another sent.

Gmail drops a message whose Message-ID it has already seen. These run the real engine
on real SQLite files with the same secret key, as a reset install or a staging copy
made from a dump would have, and read what a real SMTP sink received.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bulletin.domain.models import AlertDraft
from bulletin.mail.compose import reader_message_id
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store import campaigns
from bulletin.store.db import Database
from tests.support.engines import engine_for
from tests.support.factories import FakeClock, confirmed_reader, make_settings
from tests.support.smtp_sink import SmtpSink

ALERT = AlertDraft("Dam gives way", "Towns downstream are told to leave.", "https://x.org/d")
READER = "reader@readers.example.org"


@contextmanager
def install(path: Path, tmp_path: Path, clock: FakeClock) -> Iterator[Context]:
    """A Bulletin on the SQLite database at `path`, with the tests' secret key."""
    url = f"sqlite:///{path}"
    context = Context(settings=make_settings(tmp_path, url), db=Database(url), clock=clock)
    try:
        yield context
    finally:
        context.db.dispose()


def alert_ids(ctx: Context, sink: SmtpSink) -> tuple[int, str]:
    """Fire an alert and send it: (its campaign id, the Message-ID READER received)."""
    before = len(sink.list_mail_to(READER))
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    engine_for(ctx, sink.url).run_until_idle()
    received = sink.list_mail_to(READER)
    assert len(received) == before + 1
    return fired.campaign_id, str(received[-1]["Message-ID"])


def test_two_installs_send_the_same_campaign_and_reader_under_different_ids(
    sqlite_template: Path, tmp_path: Path, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    ids = []
    for name in ("first", "reset"):
        path = tmp_path / f"{name}.db"
        shutil.copy(sqlite_template, path)
        with install(path, tmp_path, clock) as ctx:
            reader = confirmed_reader(ctx, email=READER)
            ids.append((reader, *alert_ids(ctx, smtp_sink)))

    (reader_a, campaign_a, id_a), (reader_b, campaign_b, id_b) = ids
    assert (reader_a, campaign_a) == (reader_b, campaign_b)  # the same pair, numbered alike
    assert id_a != id_b


def test_a_staging_copy_from_a_dump_makes_new_ids_for_what_it_sends_next(
    sqlite_template: Path, tmp_path: Path, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    production, staging = tmp_path / "production.db", tmp_path / "staging.db"
    shutil.copy(sqlite_template, production)
    with install(production, tmp_path, clock) as ctx:
        confirmed_reader(ctx, email=READER)
        alert_ids(ctx, smtp_sink)
    shutil.copy(production, staging)  # the dump, restored

    with install(production, tmp_path, clock) as ctx:
        on_production = alert_ids(ctx, smtp_sink)
    with install(staging, tmp_path, clock) as ctx:
        on_staging = alert_ids(ctx, smtp_sink)

    assert on_production[0] == on_staging[0]  # the same next campaign id
    assert on_production[1] != on_staging[1]


def test_a_campaign_keeps_its_ids_when_sent_again(
    sqlite_template: Path, tmp_path: Path, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    path = tmp_path / "bulletin.db"
    shutil.copy(sqlite_template, path)
    with install(path, tmp_path, clock) as ctx:
        confirmed_reader(ctx, email=READER)
        campaign_id, first = alert_ids(ctx, smtp_sink)
    # Another process (a worker elsewhere, or this one after a restart) makes the same ID.
    with install(path, tmp_path, clock) as ctx:
        with ctx.db.transaction() as conn:
            campaign = campaigns.get(conn, campaign_id)
        assert campaign is not None
        subscriber = int(first.split(".s")[1].split(".")[0])
        tag = ctx.tokens.returns.tag(campaign_id, subscriber)
        again = reader_message_id(campaign.sent_as, subscriber, tag, ctx.settings.mail_domain)
    assert again == first
